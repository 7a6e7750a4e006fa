// The relay's delay line (remote-child.ts): each chunk of one direction reaches the other side
// `oneWayMs` after it came (not before `notBefore`), and always in the order it came. One timer per
// direction, not one per chunk: Node files a timer under its whole-millisecond duration from the
// loop's cached time, so two chunks due at the same moment but scheduled a fraction of a millisecond
// apart could fire in the wrong order, and bytes out of order break the TLS stream they carry.

/** What delayed() reads: a socket's 'data' and 'end'. */
export interface Source {
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}

/** What delayed() writes to. */
export interface Sink {
  readonly destroyed: boolean;
  write(chunk: Buffer): unknown;
  end(): unknown;
}

/** Writes each chunk of `from` to `to` at max(its arrival + oneWayMs, notBefore), in order; its end likewise. */
export function delayed(from: Source, to: Sink, oneWayMs: number, notBefore: number): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk) to.write(chunk);
      else to.end();
    }
    schedule();
  };
  const schedule = (): void => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0]!.due - performance.now()));
  };
  const push = (chunk: Buffer | null): void => {
    last = Math.max(performance.now() + oneWayMs, chunk ? notBefore : 0, last);
    queue.push({ due: last, chunk });
    schedule();
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
}
