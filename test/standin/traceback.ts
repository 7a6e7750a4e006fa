// Traceback-like texts for the `debug` member of JSON errors and the faultString of XML-RPC
// faults with code 1. Real tracebacks depend on the exact build (the recordings' README calls them
// volatile); what clients and tests look at is the last line, which is exact here.

import { tracebackLastLine, type OdooError } from '../../src/rpc/errors.js';
import type { Version } from './fields.js';
import type { Frame } from './raise.js';

export type Entry = 'xmlrpc' | 'jsonrpc' | 'json2' | 'xmlrpc-parse' | 'xmlrpc-datetime' | 'json2-auth' | 'common';

function outerFrames(version: Version, entry: Entry): Frame[] {
  const v19 = version >= 19;
  const rpcFile = v19 ? '/opt/odoo/addons/rpc/controllers/xmlrpc.py' : '/opt/odoo/odoo/addons/base/controllers/rpc.py';
  const http: Frame[] = [
    ['/opt/odoo/odoo/http.py', v19 ? 2273 : 1954, v19 ? '_serve_db' : '_transactioning', v19 ? 'return service_model.retrying(serve_func, env=self.env)' : 'return service_model.retrying(func, env=self.env)'],
    ['/opt/odoo/odoo/service/model.py', v19 ? 184 : 137, 'retrying', 'result = func()'],
    ['/opt/odoo/odoo/http.py', v19 ? 2328 : 1921, '_serve_ir_http', 'response = self.dispatcher.dispatch(rule.endpoint, args)'],
    ['/opt/odoo/odoo/http.py', v19 ? 2608 : 2168, 'dispatch', "result = self.request.registry['ir.http']._dispatch(endpoint)"],
    ['/opt/odoo/odoo/addons/base/models/ir_http.py', v19 ? 355 : 329, '_dispatch', 'result = endpoint(**request.params)'],
    ['/opt/odoo/odoo/http.py', v19 ? 788 : 727, 'route_wrapper', 'result = endpoint(self, *args, **params_ok)'],
  ];
  const service: Frame[] = [
    ['/opt/odoo/odoo/http.py', v19 ? 439 : 398, 'dispatch_rpc', 'return dispatch(method, params)'],
    v19 ? ['/opt/odoo/odoo/service/model.py', 129, 'dispatch', 'res = execute_cr(cr, uid, model, method_, args, kw)'] : ['/opt/odoo/odoo/service/model.py', 39, 'dispatch', 'res = execute_kw(db, uid, *params[3:])'],
  ];
  switch (entry) {
    case 'xmlrpc':
      return [[rpcFile, v19 ? 162 : 161, 'xmlrpc_2', 'response = self._xmlrpc(service)'], [rpcFile, v19 ? 134 : 139, '_xmlrpc', 'result = dispatch_rpc(service, method, params)'], ...service];
    case 'common':
      return [
        [rpcFile, v19 ? 162 : 161, 'xmlrpc_2', 'response = self._xmlrpc(service)'],
        [rpcFile, v19 ? 134 : 139, '_xmlrpc', 'result = dispatch_rpc(service, method, params)'],
        ['/opt/odoo/odoo/http.py', v19 ? 439 : 398, 'dispatch_rpc', 'return dispatch(method, params)'],
        ['/opt/odoo/odoo/service/common.py', 23, 'dispatch', "return g[exp_method_name](*params)"],
      ];
    case 'xmlrpc-parse':
      return [
        [rpcFile, v19 ? 162 : 161, 'xmlrpc_2', 'response = self._xmlrpc(service)'],
        [rpcFile, v19 ? 133 : 138, '_xmlrpc', 'params, method = xmlrpc.client.loads(data, use_datetime=True)'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 1030, 'loads', 'p.close()'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 460, 'close', 'parser.Parse(b"", True) # end of data'],
      ];
    case 'xmlrpc-datetime':
      // Python 3.11's frames for a dateTime strptime refuses inside loads().
      return [
        [rpcFile, v19 ? 162 : 161, 'xmlrpc_2', 'response = self._xmlrpc(service)'],
        [rpcFile, v19 ? 133 : 138, '_xmlrpc', 'params, method = xmlrpc.client.loads(data, use_datetime=True)'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 1029, 'loads', 'p.feed(data)'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 451, 'feed', 'self._parser.Parse(data, False)'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 696, 'end', 'return f(self, "".join(self._data))'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 752, 'end_dateTime', 'value = _datetime_type(data)'],
        ['/usr/lib/python3.11/xmlrpc/client.py', 301, '_datetime_type', 'return datetime.strptime(data, "%Y%m%dT%H:%M:%S")'],
      ];
    case 'jsonrpc':
      return [...http, [v19 ? '/opt/odoo/addons/rpc/controllers/jsonrpc.py' : '/opt/odoo/odoo/addons/base/controllers/rpc.py', v19 ? 23 : 170, 'jsonrpc', 'return dispatch_rpc(service, method, args)'], ...service];
    case 'json2':
      return [...http, ['/opt/odoo/addons/rpc/controllers/json2.py', 69, 'web_json_2_rpc', 'result = func(records, **kwargs)']];
    case 'json2-auth':
      return [
        http[0]!,
        http[1]!,
        ['/opt/odoo/odoo/http.py', 2326, '_serve_ir_http', "self.registry['ir.http']._authenticate(rule.endpoint)"],
        ['/opt/odoo/odoo/addons/base/models/ir_http.py', 275, '_authenticate', 'cls._authenticate_explicit(auth)'],
        ['/opt/odoo/odoo/addons/base/models/ir_http.py', 284, '_authenticate_explicit', "getattr(cls, f'_auth_method_{auth}')()"],
        ['/opt/odoo/odoo/addons/base/models/ir_http.py', 242, '_auth_method_bearer', 'raise Unauthorized(e, www_authenticate=WWWAuthenticate(\'bearer\'))'],
      ];
  }
}

/** A traceback ending in the exact `Type: message` line of the error. */
export function traceback(version: Version, entry: Entry, err: OdooError, inner: Frame[] = []): string {
  const frames = [...outerFrames(version, entry), ...inner];
  const lines = ['Traceback (most recent call last):'];
  for (const [file, line, fn, code] of frames) {
    lines.push(`  File "${file}", line ${line}, in ${fn}`);
    if (code) lines.push(`    ${code}`);
  }
  return `${lines.join('\n')}\n${tracebackLastLine(err)}`;
}
