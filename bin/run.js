#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build first when working from a clone).
// From '@oclif/core/execute', not '@oclif/core', whose main entry loads all of oclif (src/cli/oclif.ts).
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
