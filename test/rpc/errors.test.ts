import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../src/rpc/json.js';
import { decodeMethodResponse } from '../../src/rpc/xmlrpc.js';
import { jsonrpcErrorAnswer, json2ErrorAnswer, xmlrpcFaultAnswer, xmlrpcFaultOf, werkzeugHtmlAnswer, odooErrors, jsonrpcInvalidJsonAnswer, type OdooError } from '../../src/rpc/errors.js';
import { loadWire } from '../support/wire.js';

function errorOf(data: Record<string, unknown>): OdooError {
  const args = data.arguments as unknown[];
  return { name: data.name as string, message: data.message as string, debug: data.debug as string, httpStatus: typeof args[1] === 'number' ? args[1] : undefined };
}

test('JSON-RPC error objects render exactly as Odoo 18 and 19 send them', () => {
  let n = 0;
  for (const ex of loadWire({ protocol: 'jsonrpc' })) {
    if (!ex.response.body.includes('"error"')) continue;
    const sent = parseJson(ex.response.body) as { id: number; error: { data: Record<string, unknown> } };
    const answer = jsonrpcErrorAnswer(sent.id, errorOf(sent.error.data), Number(ex.odoo.slice(0, 2)));
    assert.equal(answer.body, ex.response.body, ex.file);
    assert.equal(answer.status, ex.response.status, ex.file);
    assert.equal(answer.headers['Content-Type'], ex.response.headers['Content-Type'], ex.file);
    assert.equal('X-Content-Type-Options' in answer.headers, 'X-Content-Type-Options' in ex.response.headers, ex.file);
    n++;
  }
  assert.ok(n >= 14, `only ${n}`);
});

test('JSON-2 errors render with the recorded status, headers and body', () => {
  let n = 0;
  for (const ex of loadWire({ protocol: 'json2' })) {
    if (ex.response.status === 200 || !ex.response.headers['Content-Type']?.startsWith('application/json')) continue;
    const sent = parseJson(ex.response.body) as Record<string, unknown>;
    const answer = json2ErrorAnswer(errorOf(sent));
    assert.equal(answer.status, ex.response.status, ex.file);
    assert.equal(answer.body, ex.response.body, ex.file);
    assert.deepEqual(Object.keys(answer.headers), Object.keys(ex.response.headers).filter((h) => !['Content-Length', 'Connection'].includes(h)), ex.file);
    n++;
  }
  assert.ok(n >= 15, `only ${n}`);
});

test('JSON-2 derives the status from the exception class when no HTTP status is given', () => {
  assert.equal(json2ErrorAnswer(odooErrors.accessError('x')).status, 403);
  assert.equal(json2ErrorAnswer(odooErrors.missingError('x')).status, 404);
  assert.equal(json2ErrorAnswer(odooErrors.builtin('ValueError', 'x')).status, 500);
  const unauthorized = json2ErrorAnswer(odooErrors.http(401, 'Invalid apikey'));
  assert.equal(unauthorized.headers['WWW-Authenticate'], 'Bearer ');
  assert.match(unauthorized.body, /"name": "werkzeug.exceptions.Unauthorized"/);
  assert.match(unauthorized.body, /"debug": "werkzeug.exceptions.Unauthorized: 401 Unauthorized: Invalid apikey\\n"/);
});

test('XML-RPC faults: codes and strings as recorded, on /xmlrpc/2 and on the legacy paths', () => {
  // Map each recorded fault back to the exception that produced it (the file title and notes say).
  const expected: Array<[string, OdooError, boolean]> = [
    ['27-private-method', odooErrors.accessError(''), false],
    ['28-wrong-password', odooErrors.accessDenied(), false],
    ['37-old-path-fault-access-denied', odooErrors.accessDenied(), true],
    ['37-old-path-fault-access-error', odooErrors.accessError(''), true],
    ['37-old-path-fault-missing-error', odooErrors.missingError(''), true],
    ['37-old-path-fault-user-error', odooErrors.validationError(''), true],
    ['37-old-path-fault-unknown-model', odooErrors.userError(''), true],
    ['20-write-missing-id', odooErrors.missingError(''), false],
    ['23-integration-write-admin-user', odooErrors.accessError(''), false],
  ];
  for (const version of ['18', '19'] as const) {
    const wire = loadWire({ version, protocol: 'xmlrpc' });
    for (const [slug, err, legacy] of expected) {
      const ex = wire.find((e) => e.file.includes(slug))!;
      const sent = decodeMethodResponse(ex.response.body);
      assert.equal(sent.kind, 'fault', ex.file);
      if (sent.kind !== 'fault') continue;
      // Recover the message from what was sent, then render and compare byte for byte.
      const message = legacy && typeof sent.faultCode === 'string' && sent.faultCode.startsWith('warning -- ') ? sent.faultCode.split('\n\n').slice(1).join('\n\n') : (sent.faultString as string);
      const answer = xmlrpcFaultAnswer({ ...err, message }, { legacy, version: Number(version) });
      assert.equal(answer.body, ex.response.body, ex.file);
      assert.equal('X-Content-Type-Options' in answer.headers, 'X-Content-Type-Options' in ex.response.headers, ex.file);
    }
  }
  // An exception that is not Odoo's: code 1 and the traceback on /xmlrpc/2, the message as code on /xmlrpc.
  assert.deepEqual(xmlrpcFaultOf(odooErrors.builtin('ValueError', 'bad'), false), { faultCode: 1, faultString: 'ValueError: bad\n' });
  assert.deepEqual(xmlrpcFaultOf(odooErrors.builtin('ValueError', 'bad'), true), { faultCode: 'bad', faultString: 'ValueError: bad\n' });
});

test('HTML answers match werkzeug and /jsonrpc', () => {
  for (const ex of loadWire({ protocol: 'xmlrpc' }).filter((e) => e.file.includes('40-get-object'))) {
    const a = werkzeugHtmlAnswer(405, 'The method is not allowed for the requested URL.', { Allow: 'POST, OPTIONS' });
    assert.equal(a.body, ex.response.body);
    assert.equal(a.status, 405);
  }
  for (const ex of loadWire({ protocol: 'jsonrpc' }).filter((e) => e.file.includes('38-body-not-json'))) {
    const a = jsonrpcInvalidJsonAnswer();
    assert.equal(a.body, ex.response.body);
    assert.deepEqual(Object.keys(a.headers).sort(), Object.keys(ex.response.headers).filter((h) => !['Content-Length', 'Connection'].includes(h)).sort());
  }
});
