// Which rules files the agent loads and how (configuration, -r, the built-in file), for the
// commands that load rules without running an agent (validate, list): no sensor, no metrics.

export { DEFAULT_RULES_FILE, loadRules, loadRunnableRules, PreparedRules, rulesPaths } from '../rules-files.js';
export { liveCoverage } from '../live-coverage.js';
