// The registry: paths, keys, the file store, lookups and last-used data.
export * from './types.js';
export * from './paths.js';
export * from './keys.js';
export * from './errors.js';
export * from './registry.js';
export * from './store.js';
export * from './usage.js';
