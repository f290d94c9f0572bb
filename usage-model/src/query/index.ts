export * from './types.js';
export * from './columns.js';
export * from './fields.js';
export * from './interval.js';
export * from './compile-usage.js';
