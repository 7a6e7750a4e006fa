// The parts of @oclif/core that commands use, imported from their own entry points: the package's
// main entry loads all of oclif (and semver, only to check the Node version), some 50 ms more at
// every start. Import oclif from here, never from '@oclif/core'.
export { Command } from '@oclif/core/command';
export * as Args from '@oclif/core/args';
export * as Errors from '@oclif/core/errors';
export * as Flags from '@oclif/core/flags';
export type { Interfaces } from '@oclif/core';
