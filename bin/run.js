#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build first when working from a clone).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
