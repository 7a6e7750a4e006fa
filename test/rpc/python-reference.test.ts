// The XML-RPC request decoder against Python's own xmlrpc.client.loads(use_datetime=True), which
// is what Odoo runs on every XML-RPC body: the same bodies through both, the same reading (or a
// refusal on the proxy's side only where the decoder says it does not read something). The
// stand-in shares the decoder, so only Python can tell where the two differ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { decodeMethodCall, XmlRpcParseError, XmlRpcValueError } from '../../src/rpc/xmlrpc.js';
import { DateTimeValue } from '../../src/rpc/values.js';
import { stringifyJson } from '../../src/rpc/json.js';

type PyOutcome = { ok: string } | { error: string; message: string };

/**
 * Each body through Python's loads: a dateTime as fields.Datetime.to_string writes the datetime
 * Python made of it, a string as it is, or the exception's class and message.
 */
function pythonLoads(bodies: Buffer[]): PyOutcome[] {
  const script = String.raw`
import base64, datetime, json, sys, xmlrpc.client
out = []
for b in json.load(sys.stdin):
    try:
        v = xmlrpc.client.loads(base64.b64decode(b), use_datetime=True)[0][0]
        # fields.Datetime.to_string's format; the year written with 4 digits, as strftime does on
        # every platform but glibc's for years before 1000 (Odoo's own reading needs 4).
        out.append({'ok': '%04d-%02d-%02d %02d:%02d:%02d' % (v.year, v.month, v.day, v.hour, v.minute, v.second) if isinstance(v, datetime.datetime) else v})
    except Exception as e:
        out.append({'error': type(e).__name__, 'message': str(e)})
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(bodies.map((b) => b.toString('base64'))), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as PyOutcome[];
}

/** The same body through the proxy's decoder, in the same terms. */
function proxyLoads(body: Buffer): PyOutcome {
  try {
    const v = decodeMethodCall(body).params[0];
    // What a call carried to JSON-2 sends: the value as JSON (a datetime as Odoo's JSON layers take it).
    return { ok: v instanceof DateTimeValue ? v.toJSON() : (JSON.parse(stringifyJson(v)) as string) };
  } catch (e) {
    if (e instanceof XmlRpcValueError) return { error: e.type, message: e.message };
    if (e instanceof XmlRpcParseError) return { error: 'ExpatError', message: e.message };
    throw e;
  }
}

function call(value: string, declaration = "<?xml version='1.0'?>"): string {
  return `${declaration}<methodCall><methodName>m</methodName><params><param><value>${value}</value></param></params></methodCall>`;
}

test("dateTime values are read exactly as Python's strptime('%Y%m%dT%H:%M:%S') reads them, and go to JSON-2 as fields.Datetime.to_string", () => {
  const texts = [
    '20300102T03:04:05',
    '20300102t03:04:05',
    '20300102T3:4:5',
    '2030112T03:04:05', // %m takes 11, %d 2
    '203001 2T03:04:05', // %d's ' [1-9]'
    '19991231T23:59:59',
    '20240229T12:00:00',
    '00010101T00:00:00',
    '20300102', // a date alone
    '20300102T03:04:05Z', // timezone suffixes
    '20300102T03:04:05+01:00',
    '20300102T03:04:05.123',
    '2030-01-02T03:04:05', // ISO 8601 extended, as some clients write it
    '2030-01-02 03:04:05',
    ' 20300102T03:04:05', // Python does not trim
    '20300102T03:04:05 ',
    '20300102T03:04:05\n',
    '20300231T03:04:05',
    '20230229T03:04:05',
    '20300102T24:00:00',
    '20300102T03:04:60',
    '20300102T03:04:61',
    '00000102T03:04:05',
    '',
    "2030'0102",
  ];
  const bodies = texts.map((t) => Buffer.from(call(`<dateTime.iso8601>${t}</dateTime.iso8601>`)));
  const python = pythonLoads(bodies);
  texts.forEach((t, i) => {
    assert.deepEqual(proxyLoads(bodies[i]!), python[i], `dateTime ${JSON.stringify(t)}`);
  });
  // Without the fix JSON-2 got the XML-RPC text, which Odoo's datetime fields refuse.
  assert.equal(stringifyJson({ d: decodeMethodCall(bodies[0]!).params[0] }, { style: 'compact' }), '{"d":"2030-01-02 03:04:05"}');
});

test("a body's declared encoding is honoured as Python's expat honours it (ISO-8859-1, US-ASCII, their aliases), others refused clearly", () => {
  const declarations = [
    null,
    'utf-8',
    'UTF-8',
    'iso-8859-1',
    'ISO-8859-1',
    'latin1',
    'latin-1',
    'iso8859-1',
    'l1',
    'us-ascii',
    'US-ASCII',
    'ascii',
    'utf8', // not expat's own name: Python's codec handler, which maps bytes over 127 to nothing
  ];
  const refused = ['windows-1252', 'cp1252', 'iso-8859-15', 'koi8-r', 'utf-16', 'x-unknown'];
  const payloads = [Buffer.from('plain'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('café', 'utf8'), Buffer.from([0x80, 0x9f, 0xa0, 0xff]), Buffer.from('a&#233;b', 'latin1')];
  const bodies: Buffer[] = [];
  const names: string[] = [];
  for (const d of [...declarations, ...refused]) {
    for (const p of payloads) {
      const decl = d === null ? "<?xml version='1.0'?>" : `<?xml version="1.0" encoding="${d}"?>`;
      const [head, tail] = call('\u0000', decl).split('\u0000');
      bodies.push(Buffer.concat([Buffer.from(head!, 'latin1'), Buffer.from('<string>'), p, Buffer.from('</string>'), Buffer.from(tail!, 'latin1')]));
      names.push(`${d ?? '(none)'} ${p.toString('hex')}`);
    }
  }
  // A BOM before a declaration, and a declaration in single quotes with extra spacing.
  bodies.push(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(call('<string>caf\u00e9</string>', "<?xml version='1.0' encoding='iso-8859-1'?>"), 'latin1')]));
  names.push('BOM + iso-8859-1');
  bodies.push(Buffer.from(call('<string>caf\u00e9</string>', "<?xml version='1.0'   encoding = 'ISO-8859-1' ?>"), 'latin1'));
  names.push('spaced declaration');
  const python = pythonLoads(bodies);
  let read = 0;
  bodies.forEach((b, i) => {
    const mine = proxyLoads(b);
    const theirs = python[i]!;
    if (refused.some((d) => names[i]!.startsWith(`${d} `)) && 'error' in mine && mine.error === 'ValueError') {
      assert.match(mine.message, /declares encoding '.*', which odoo-keys does not read: send UTF-8/, names[i]);
      return;
    }
    if ('ok' in theirs) {
      assert.deepEqual(mine, theirs, names[i]);
      read++;
    } else {
      assert.ok('error' in mine, `${names[i]}: Python refuses it (${theirs.error}: ${theirs.message}), the proxy read ${JSON.stringify(mine)}`);
    }
  });
  assert.ok(read >= 30, `only ${read} bodies read on both sides`);
});
