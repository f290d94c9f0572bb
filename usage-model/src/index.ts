export * from './resources.js';
export * from './raw-schema.js';
export * from './layout.js';
export * from './metrics.js';
export * from './attribution.js';
export * from './instance-types.js';
