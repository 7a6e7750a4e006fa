// Keeping a large streamed answer's spent buffers from piling up.
//
// Why: each socket read of an answer gets a fresh buffer outside V8's heap. Once passed on to the
// client it is garbage, but V8 collects for such memory only when it has grown by tens of MB since
// the last collection: a 200 MB answer took `serve` from 64 MB to 110-113 MB (bench/RESULTS.md,
// row 2), the bare Node pass-through proxy likewise (+42-50 MB). Those buffers die young, so a
// young-generation collection (a scavenge: about 1-2 ms, most of it finding little alive) every few
// MB streamed frees them.

import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Bytes streamed between two collections. A scavenge costs about the same whatever the garbage, and
 * 2 MB against 8 MB showed no change in CPU per 200 MB answer, while the peak fell from 106-108 to
 * 94-96 MB on Node 24 (its allocator holds more of the freed buffers) and from 80-84 to 71-72 MB on
 * Node 20 (bench/RESULTS.md, row 2).
 */
export const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

/**
 * Counts bytes streamed by every answer in the process and runs `collect` each time another
 * `everyBytes` have passed. One counter for all answers: ten answers at once do not collect ten
 * times as often as their bytes warrant.
 */
export function streamedGarbage(collect: () => void, everyBytes = COLLECT_EVERY_BYTES): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < everyBytes) return;
    since = 0;
    collect();
  };
}

/**
 * A function that runs a young-generation collection, or undefined where this Node cannot give one.
 * Node hands out V8's gc() only to contexts made after --expose-gc is set; the flag is turned off
 * again at once, so nothing else (no later vm context) sees it.
 */
export function youngCollector(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    if (typeof gc !== 'function') return undefined;
    return () => (gc as (o: { type: 'minor' | 'major' }) => void)({ type: 'minor' });
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
