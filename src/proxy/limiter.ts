// Concurrency caps: one integration cannot take all of Odoo's workers. A call waits briefly for
// a free place, then is refused as busy rather than queueing without end.

export class Gate {
  private active = 0;
  private readonly waiting: Array<{ resolve: (ok: boolean) => void; timer: NodeJS.Timeout }> = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.active;
  }

  /** Callers waiting for a place. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves true once a place is held (release it with `leave`), false after `waitMs`. */
  enter(waitMs: number): Promise<boolean> {
    if (this.active < this.capacity) {
      this.active++;
      return Promise.resolve(true);
    }
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve(false);
        }, waitMs),
      };
      this.waiting.push(entry);
    });
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(true); // the place passes straight to the next caller
    } else {
      this.active = Math.max(0, this.active - 1);
    }
  }
}

/** One gate per key, created on first use, plus the global gate. */
export class ConcurrencyLimiter {
  private readonly perKey = new Map<string, Gate>();
  readonly global: Gate;

  constructor(
    globalCapacity: number,
    private readonly perKeyCapacity: number,
    private readonly waitMs: number,
  ) {
    this.global = new Gate(globalCapacity);
  }

  /** Calls of `keyId` waiting for a place of their key (not yet for a global one). */
  queuedFor(keyId: string): number {
    return this.perKey.get(keyId)?.queued ?? 0;
  }

  /** Holds a place for `keyId` and a global one; returns a release function, or null when busy. */
  async acquire(keyId: string): Promise<(() => void) | null> {
    let gate = this.perKey.get(keyId);
    if (!gate) {
      gate = new Gate(this.perKeyCapacity);
      this.perKey.set(keyId, gate);
    }
    const started = Date.now();
    if (!(await gate.enter(this.waitMs))) return null;
    const left = Math.max(0, this.waitMs - (Date.now() - started));
    if (!(await this.global.enter(left))) {
      gate.leave();
      return null;
    }
    let released = false;
    const g = gate;
    return () => {
      if (released) return;
      released = true;
      this.global.leave();
      g.leave();
    };
  }
}
