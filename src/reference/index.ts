export * from './ops.js';
export * from './step.js';
