export * from './resolve.js';
export * from './governance.js';
