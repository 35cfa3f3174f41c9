// Falco-compatible rules files: loading, validation results and the evt.type-indexed ruleset.

export {
  loadRulesContents,
  loadRulesFiles,
  toFalcoValidationJson,
  toSakerValidation,
  type LoadedRules,
} from './loader.js';
export { RulesCache } from './rules-cache.js';
export { Ruleset } from './ruleset.js';
export type { CompiledRule, ExtraOutputFormat } from './rule-compiler.js';
export { NO_EVTTYPE_THRESHOLD } from './rule-compiler.js';
export { formatPriority } from './priority.js';
export { compareVersions, parseVersion } from './version.js';
export { Priority, parsePriority, PRIORITY_NAMES } from './priority.js';
export { ENGINE_VERSION, formatVersion } from './version.js';
export { deriveOpenPrefilter } from './open-prefilter-rules.js';
