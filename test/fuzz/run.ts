// `npm run fuzz -- --seconds 60 [--seed N] [--target substring]`: runs every fuzz target (see
// targets.ts and proxy-target.ts) for a share of the time, in slices with fresh seeds, and
// reports runs per target. On the first broken invariant it prints the counterexample and the
// seed and path to replay it, and exits 1.

import fc from 'fast-check';
import { loadCorpus, TARGETS as BASE_TARGETS } from './targets.js';
import { INHERITS_TARGETS } from './inherits-target.js';
import { REFS_TARGETS } from './refs-target.js';
import { fuzzProxy } from './proxy-target.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('seconds') ?? 60);
const baseSeed = Number(arg('seed') ?? Date.now() % 2_147_483_647);
const only = arg('target');
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error('usage: npm run fuzz -- --seconds 60 [--seed N] [--target substring]');
  process.exit(2);
}

const TARGETS = [...BASE_TARGETS, ...INHERITS_TARGETS, ...REFS_TARGETS];
const corpus = loadCorpus();
const names = [...TARGETS.map((t) => t.name), 'proxy: unauthenticated and malformed requests over HTTP'].filter((n) => !only || n.includes(only));
if (names.length === 0) {
  console.error(`no target matches '${only}'`);
  process.exit(2);
}
console.log(`fuzzing ${names.length} targets for ${seconds} s, base seed ${baseSeed}; corpus: ${corpus.xml.length} XML-RPC, ${corpus.json.length} JSON bodies, ${corpus.calls.length} calls`);

const runs = new Map<string, number>(names.map((n) => [n, 0]));
const sliceMs = Math.max(2000, Math.min(15_000, (seconds * 1000) / names.length / 2));
const end = Date.now() + seconds * 1000;
let slice = 0;
while (Date.now() < end) {
  for (const name of names) {
    const left = end - Date.now();
    if (left <= 200) break;
    const timeMs = Math.min(sliceMs, left);
    const seed = (baseSeed + slice * 7919) % 2_147_483_647;
    if (name.startsWith('proxy:')) {
      try {
        const r = await fuzzProxy({ seed, timeMs });
        runs.set(name, runs.get(name)! + r.requests);
      } catch (e) {
        console.error(`\nFAILED ${name} (seed ${seed}):\n${(e as Error).message}`);
        process.exit(1);
      }
      continue;
    }
    const target = TARGETS.find((t) => t.name === name)!;
    const details = fc.check(target.property(corpus), { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: timeMs, markInterruptAsFailure: false });
    runs.set(name, runs.get(name)! + details.numRuns);
    if (details.failed) {
      console.error(`\nFAILED ${name}: seed ${details.seed}, path ${details.counterexamplePath}`);
      console.error(`counterexample: ${fc.stringify(details.counterexample).slice(0, 4000)}`);
      console.error(String(details.errorInstance).slice(0, 4000));
      process.exit(1);
    }
  }
  slice++;
}
for (const [name, n] of runs) console.log(`${String(n).padStart(9)} runs  ${name}`);
console.log(`no invariant broken in ${seconds} s (base seed ${baseSeed})`);
