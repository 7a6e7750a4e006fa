// The bench relay's delay line (bench/lib/delayed.ts): what the 'remote' row measures goes through
// it, TLS records included, so a chunk out of order or an end before the last chunk would make that
// row measure broken connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { delayed, type Sink } from '../../bench/lib/delayed.js';

/** Holds this thread for `ms` (the loop's cached time stays where it was). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('the relay delivers chunks and the end in the order they came, when they are due at the same moment', async () => {
  const from = new EventEmitter();
  const got: string[] = [];
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const to: Sink = {
    destroyed: false,
    write: (chunk: Buffer) => got.push(chunk.toString()),
    end: () => {
      got.push('end');
      ended();
    },
  };
  // A connection's first bytes wait for notBefore (the TCP handshake's round trip): all of them are
  // due then. Chunks that come within one turn of the loop, a millisecond and more apart.
  delayed(from, to, 1, performance.now() + 8);
  for (let i = 0; i < 5; i++) {
    from.emit('data', Buffer.from(`chunk ${i}`));
    spin(1.2);
  }
  from.emit('end');
  await done;
  assert.deepEqual(got, ['chunk 0', 'chunk 1', 'chunk 2', 'chunk 3', 'chunk 4', 'end']);
});
