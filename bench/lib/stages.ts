// The marks of bench/stages.ts: a timestamp at each step of a call, put into a copy of the build at
// fixed places of the compiled code. Kept apart so a test can check that every place is still there
// (test/bench/stages.test.ts): the tool is run on demand, so a change to the source would otherwise
// break it unseen.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const T = (label: string): string => `globalThis.__stage?.(${JSON.stringify(label)});`;

/** [file under dist/src, anchor (must occur exactly once), where the mark goes, label]. */
const MARKS: [string, string, 'before' | 'after', string][] = [
  ['proxy/core.js', '            rpc = decodeXmlRpcRequest(', 'before', 'body read'],
  ['proxy/core.js', '            rpc = decodeJson2Request(', 'before', 'body read'],
  ['proxy/core.js', '    async handleObjectCall(x, call, res) {\n', 'after', 'decoded'],
  ['proxy/core.js', '        const auth = this.authenticate(x, call.credential, now);\n', 'after', 'key checked'],
  ['proxy/core.js', '        const scope = scopeOf(key);\n', 'after', 'call facts read'],
  ['proxy/core.js', '    async forward(x, res, target, call, decision) {\n', 'after', 'decided'],
  ['proxy/core.js', '                upRes = await this.deps.pool.send(', 'before', 'encoded for Odoo'],
  ['upstream/wire.js', '            : net.connect({ host: origin.host, port: origin.port });\n', 'after', 'connecting'],
  ['proxy/core.js', '                ({ head, ended } = await readHead(iterator, limit));', 'before', "Odoo's answer head in"],
  ['proxy/core.js', '                ({ head, ended } = await readHead(iterator, limit));', 'after', 'answer read whole'],
  ['proxy/core.js', '            await this.deps.journal.append(bounded);', 'before', 'journal line built'],
  ['proxy/core.js', '            await this.deps.journal.append(bounded);', 'after', 'journal line written'],
  ['proxy/core.js', '        writeAnswer(res, answer);\n', 'after', 'answer written to the client socket'],
];

// The recorder: a list of marks per call, started when the request is routed; written to a file
// on SIGUSR2.
const RECORDER = `
const __calls = [];
let __call = null;
globalThis.__stage = (label) => { if (__call) __call.push([label, process.hrtime.bigint()]); };
globalThis.__stageStart = () => { __call = [['request routed', process.hrtime.bigint()]]; __calls.push(__call); };
process.on('SIGUSR2', () => {
  const out = __calls.map((c) => c.map(([l, t]) => [l, Number(t - c[0][1]) / 1000]));
  import('node:fs').then((fs) => fs.writeFileSync(process.env.STAGES_OUT, JSON.stringify(out)));
});
`;

/** Puts the marks into the build at `dist` (a copy: its files are rewritten); throws when a place is gone. */
export function markBuild(dist: string): void {
  const files = new Map<string, string>();
  const read = (f: string): string => files.get(f) ?? readFileSync(join(dist, 'src', f), 'utf8');
  const server = read('proxy/server.js');
  const routeAnchor = 'async function route(deps, opts, addressOf, req, res) {\n';
  if (server.split(routeAnchor).length !== 2) throw new Error(`stages: anchor not found once in proxy/server.js: ${JSON.stringify(routeAnchor)} (the source changed: update bench/lib/stages.ts)`);
  files.set('proxy/server.js', server.replace(routeAnchor, `${RECORDER}${routeAnchor}    globalThis.__stageStart();\n    res.once('finish', () => globalThis.__stage('answer handed to the kernel'));\n`));
  for (const [file, anchor, where, label] of MARKS) {
    const text = read(file);
    if (text.split(anchor).length !== 2) throw new Error(`stages: anchor not found once in ${file}: ${JSON.stringify(anchor)} (the source changed: update bench/lib/stages.ts)`);
    files.set(file, text.replace(anchor, where === 'before' ? `${T(label)}${anchor}` : `${anchor}${T(label)}`));
  }
  // The connect's end: a listener on the socket just made.
  const wire = files.get('upstream/wire.js')!;
  files.set('upstream/wire.js', wire.replace(`${T('connecting')}`, `${T('connecting')} socket.once('connect', () => globalThis.__stage('connected'));`));
  for (const [f, text] of files) writeFileSync(join(dist, 'src', f), text);
}

