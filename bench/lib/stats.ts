// Small statistics helpers for the benchmarks: percentiles, medians, formatting.

/** The p-th percentile (0..100) of an ascending-sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Milliseconds, with precision that suits the size. */
export function ms(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 100) return `${x.toFixed(0)} ms`;
  if (Math.abs(x) >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

/** A signed difference in milliseconds: +0.21 ms. */
export function dms(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}`;
}

export function pct(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-';
  return `${(ratio * 100).toFixed(0)}%`;
}

export function ratio(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return `${x.toFixed(2)}×`;
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.round(x).toLocaleString('en-US');
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** A markdown table. */
export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export const sleep = (msec: number): Promise<void> => new Promise((r) => setTimeout(r, msec));
