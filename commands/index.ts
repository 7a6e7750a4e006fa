// The explicit command list (oclif "explicit" strategy): no directory scan at start-up.
// Add one line per command, keyed by its id (`audit:verify` is run as `odoo-keys audit verify`).
import Audit from './audit/report.js';
import AuditVerify from './audit/verify.js';

export const COMMANDS = {
  audit: Audit,
  'audit:verify': AuditVerify,
};
