// The agent's surface: a running agent (sources, state, rules, outputs, reload, metrics) as the
// CLI and the server drive it, and the engine that takes one event through state and rules.
// The one-shot pipelines have their own surfaces (agent/inspect, agent/record, agent/rules-files)
// so that each command loads only its own: inspect loads no YAML nor prom-client.

export { Agent, RulesLoadError } from './agent.js';
export { Engine } from './engine.js';
export { warmEventPath } from './event-path-warm-up.js';
export { keepYoungGenerationSmall } from './young-generation.js';
export { setEventThreadNice } from './event-thread-priority.js';
export { batchHelperThreads } from './helper-threads.js';
export { DropMonitor, dropSettings } from './drop-alerts.js';
export { metricsSettings, MetricsSnapshot, registerResourceMetrics } from './metrics-snapshot.js';
export { type AgentHandle, type AgentStatus, type ReloadOutcome, type RuleSummary } from './handle.js';
