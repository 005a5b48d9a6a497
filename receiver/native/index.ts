// Public surface of the native (eBPF) half: what the probes and the pipeline import.
export * from './records.js';
export * from './frames.js';
export * from './clock.js';
export * from './kallsyms.js';
export * from './helper-client.js';
export * from './load-command.js';
export { formatIPv4, formatIPv6 } from '../kernel/inet.js';
