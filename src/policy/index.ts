// Tetragon TracingPolicies: loading and validation, the hook plan for this kernel, selectors
// compiled to the policy sensor's maps, its client, Tetragon's JSON and compact encodings, the
// export, and the runtime the agent runs. The surface the agent and the CLI use.
export { policyPaths } from './paths.js';
export { PolicyRuntime, exportNodeName, PolicyLoadError } from './runtime.js';
export { EventExporter, ExportFilterError, parseFilters } from './export.js';
export { compactLine } from './compact.js';
export { probeKernelFeatures, type KernelFeatures } from './features.js';
export { loadPolicyFiles, loadPolicyText, type PolicyLoad } from './load.js';
export { type PolicyProblem } from './types.js';
export { PolicySensor } from './policy-sensor.js';
export { policySensorPath } from './sensor-path.js';
