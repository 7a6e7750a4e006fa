import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRules, validateLimits, ScopeValidationError } from '../../src/policy/validate.js';

function throwsAt(f: () => unknown, path: string, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ScopeValidationError, String(e));
    assert.equal(e.path, path, e.message);
    assert.match(e.message, re);
    assert.ok(e.message.startsWith(`${path}: `));
    return true;
  });
}

test('validateRules: canonical rules back, duplicates dropped', () => {
  assert.deepEqual(
    validateRules([{ model: 'crm.lead', methods: ['create', 'create'], fields: ['name', 'name', 'email_from'] }, { model: 'x_*', methods: ['read'], domain: [['a', '=', 1]], max_limit: 10, allow_sensitive: false }], 'keys[0].rules'),
    [{ model: 'crm.lead', methods: ['create'], fields: ['name', 'email_from'] }, { model: 'x_*', methods: ['read'], domain: [['a', '=', 1]], max_limit: 10, allow_sensitive: false }],
  );
  assert.deepEqual(validateRules([], 'r'), []);
});

test('validateRules: every problem named by path', () => {
  const p = 'keys[3].rules';
  throwsAt(() => validateRules({}, p), p, /must be a list/);
  throwsAt(() => validateRules(['crm.lead'], p), `${p}[0]`, /must be a mapping/);
  throwsAt(() => validateRules([{ methods: ['read'] }], p), `${p}[0]`, /needs a model/);
  throwsAt(() => validateRules([{ model: 'crm.lead' }], p), `${p}[0]`, /needs methods/);
  throwsAt(() => validateRules([{ model: 'CRM.lead', methods: ['read'] }], p), `${p}[0].model`, /not a model name/);
  throwsAt(() => validateRules([{ model: 'crm.lead ', methods: ['read'] }], p), `${p}[0].model`, /not a model name/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: 'read' }], p), `${p}[0].methods`, /must be a list/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: [] }], p), `${p}[0].methods`, /at least one/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read', '_read'] }], p), `${p}[0].methods[1]`, /private/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read '] }], p), `${p}[0].methods[0]`, /not a method name/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], fields: ['name', 'e-mail'] }], p), `${p}[0].fields[1]`, /not a field name/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], fields: ['partner_id.email'] }], p), `${p}[0].fields[0]`, /no dotted paths/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], fields: [3] }], p), `${p}[0].fields[0]`, /must be a string/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], domain: [['a', '=', 1], ['b', 'like']] }], p), `${p}[0].domain[1]`, /three/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], domain: ['|', ['a', '=', 1]] }], p), `${p}[0].domain[0]`, /two operands/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], domain: [['a', 'any', [['b', '=', { x: 1 }]]]] }], p), `${p}[0].domain[0][2][0][2]`, /dictionary/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], max_limit: 0 }], p), `${p}[0].max_limit`, /positive integer/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], max_limit: 2.5 }], p), `${p}[0].max_limit`, /positive integer/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], allow_sensitive: 'yes' }], p), `${p}[0].allow_sensitive`, /true or false/);
  throwsAt(() => validateRules([{ model: 'crm.lead', methods: ['read'], field: ['name'] }], p), `${p}[0].field`, /unknown key 'field'/);
});

test('validateLimits: shapes, CIDR v4/v6, hours and zone, rate, integers', () => {
  assert.deepEqual(validateLimits(undefined, 'l'), {});
  assert.deepEqual(validateLimits(null, 'l'), {});
  const ok = {
    ips: ['203.0.113.0/24', '10.1.2.3', '2001:db8::/32', '::1', '::ffff:192.0.2.0/120', 'fe80::1%eth0'],
    hours: 'Mon-Fri 08:00-18:00; Sat 09:00-12:00 Europe/Amsterdam',
    rate: '60/min',
    companies: [1, 3, 3],
    records_per_hour: 10000,
    context_keys: ['tracking_disable', 'active_test'],
  };
  assert.deepEqual(validateLimits(ok, 'l'), { ...ok, companies: [1, 3] });
  const p = 'keys[0].limits';
  throwsAt(() => validateLimits([], p), p, /must be a mapping/);
  throwsAt(() => validateLimits({ ip: [] }, p), `${p}.ip`, /unknown key 'ip'/);
  throwsAt(() => validateLimits({ ips: '10.0.0.0/8' }, p), `${p}.ips`, /must be a list/);
  throwsAt(() => validateLimits({ ips: ['10.0.0.0/8', '10.0.0.1/8'] }, p), `${p}.ips[1]`, /host bits set; did you mean 10.0.0.0\/8/);
  throwsAt(() => validateLimits({ ips: ['10.0.0.0/33'] }, p), `${p}.ips[0]`, /prefix length must be 0 to 32/);
  throwsAt(() => validateLimits({ ips: ['2001:db8::/129'] }, p), `${p}.ips[0]`, /0 to 128/);
  throwsAt(() => validateLimits({ ips: ['010.0.0.0/8'] }, p), `${p}.ips[0]`, /not an IP address/);
  throwsAt(() => validateLimits({ ips: ['1.2.3'] }, p), `${p}.ips[0]`, /not an IP address/);
  throwsAt(() => validateLimits({ ips: ['2001:db8:::1'] }, p), `${p}.ips[0]`, /not an IP address/);
  throwsAt(() => validateLimits({ ips: ['1:2:3:4:5:6:7:8:9'] }, p), `${p}.ips[0]`, /not an IP address/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fri 08:00-18:00' }, p), `${p}.hours`, /IANA time zone/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fri 08:00-18:00 Europe/Amsterdm' }, p), `${p}.hours`, /not a known IANA time zone/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fry 08:00-18:00 UTC' }, p), `${p}.hours`, /'Fry' is not a day|'Mon-Fry' is not a day/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fri 8:00-18:00 UTC' }, p), `${p}.hours`, /'8:00' is not a time of day/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fri 08:00-08:00 UTC' }, p), `${p}.hours`, /empty/);
  throwsAt(() => validateLimits({ hours: 'Mon-Fri 08:60-09:00 UTC' }, p), `${p}.hours`, /not a time of day/);
  throwsAt(() => validateLimits({ hours: 8 }, p), `${p}.hours`, /must be a string/);
  throwsAt(() => validateLimits({ rate: '60 per minute' }, p), `${p}.rate`, /not a rate/);
  throwsAt(() => validateLimits({ rate: '0/min' }, p), `${p}.rate`, /positive integer/);
  throwsAt(() => validateLimits({ rate: 60 }, p), `${p}.rate`, /must be a string/);
  throwsAt(() => validateLimits({ companies: [1, 0] }, p), `${p}.companies[1]`, /positive integer/);
  throwsAt(() => validateLimits({ records_per_hour: -5 }, p), `${p}.records_per_hour`, /positive integer/);
  throwsAt(() => validateLimits({ context_keys: ['ok', 'not ok'] }, p), `${p}.context_keys[1]`, /not a context key/);
});
