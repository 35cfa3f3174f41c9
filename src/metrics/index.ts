// The metrics registry's surface: one prom-client Registry per agent.

export { Metrics } from './metrics.js';
