// The configuration's surface: Falco's falco.yaml keys, read from files and -o overrides.

export { type Config, loadConfig } from './config.js';
export { ConfigError, resolveConfig } from './config.js';
export { applyOverride } from './overrides.js';
export { durationMs, LIVE_STATE_DIR, type DeliveryOptions, type DestinationConfig, type OutputsConfig } from './outputs.js';
export { shown } from './config.js';
export { fileHashes, loadLayeredConfig, type LayeredConfig } from './config-files.js';
export { FileWatcher } from './watch.js';
export { yamlPathOffset } from './validate.js';
