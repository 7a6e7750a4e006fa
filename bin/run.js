#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build first when working from a clone).
// From '@oclif/core/execute', not '@oclif/core', whose main entry loads all of oclif (src/cli/oclif.ts).
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core/execute';

// No user or dev plugins: odoo-keys has none, and oclif would otherwise look for a package.json
// listing some under ~/.local/share/odoo-keys at every start (and load code from there).
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false, devPlugins: false } });
