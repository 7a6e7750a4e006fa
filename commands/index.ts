// The explicit command list (oclif "explicit" strategy): no directory scan at start-up.
// Add one line per command, keyed by its id (`audit:verify` is run as `odoo-keys audit verify`).
export const COMMANDS = {};
