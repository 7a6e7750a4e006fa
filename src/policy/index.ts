// The scope engine's public surface: everything the CLI, the proxy and `exec` use.
export * from './types.js';
export * from './names.js';
export * from './domain.js';
export * from './limits.js';
export * from './budget.js';
export * from './methods.js';
export * from './validate.js';
export * from './compact.js';
export * from './bind.js';
export * from './decide.js';
export * from './check.js';
export * from './schema.js';
