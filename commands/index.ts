// The explicit command list (oclif "explicit" strategy): no directory scan at start-up.
// Add one line per command, keyed by its id (`audit:verify` is run as `odoo-keys audit verify`).
import Audit from './audit/report.js';
import AuditVerify from './audit/verify.js';
import Check from './check.js';
import Create from './create.js';
import Exec from './exec.js';
import Learn from './learn.js';
import List from './list.js';
import Login from './login.js';
import Logout from './logout.js';
import Profiles from './profiles.js';
import Revoke from './revoke.js';
import Rotate from './rotate.js';
import Scope from './scope.js';
import ScopeSuggest from './scope-suggest.js';
import Serve from './serve.js';
import Show from './show.js';

export const COMMANDS = {
  audit: Audit,
  'audit:verify': AuditVerify,
  login: Login,
  logout: Logout,
  profiles: Profiles,
  check: Check,
  create: Create,
  list: List,
  show: Show,
  scope: Scope,
  'scope:suggest': ScopeSuggest,
  rotate: Rotate,
  revoke: Revoke,
  serve: Serve,
  exec: Exec,
  learn: Learn,
};
