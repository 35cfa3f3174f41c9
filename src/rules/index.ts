// Falco-compatible rules files: loading, validation results and the evt.type-indexed ruleset.

export {
  RulesLoader,
  loadRulesFiles,
  loadRulesContents,
  expandRulesPaths,
  defaultSources,
  toFalcoValidationJson,
  toSakerValidation,
  type LoaderOptions,
  type LoadRulesOptions,
  type LoadedRules,
  type RulesInput,
  type RulesetConfig,
  type SakerValidation,
} from './loader.js';
export {
  Ruleset,
  matchesWildcard,
  parseRuleMatching,
  type RuleMatching,
  type RuleSelection,
  type RulesetOptions,
} from './ruleset.js';
export {
  SYSCALL_SOURCE,
  NO_EVTTYPE_THRESHOLD,
  compileCollected,
  type CompiledRule,
  type CompileOutput,
  type CompileConfig,
  type ExtraOutputFormat,
} from './rule-compiler.js';
export {
  LoadResult,
  RuleLoadError,
  errorCodeString,
  type ErrorCode,
  type WarningCode,
  type LoadError,
  type LoadWarning,
  type FlatDiagnostic,
  type FalcoJsonResult,
  type FalcoJsonDiagnostic,
} from './result.js';
export { LoadContext, type ItemType, type Location, type Position } from './context.js';
export { PRIORITY_NAMES, Priority, parsePriority, formatPriority, type PriorityName } from './priority.js';
export { ENGINE_VERSION, parseVersion, formatVersion, compareVersions, type Version } from './version.js';
export { syscallSource } from './syscall-source.js';
export type { RuleSource, RuleFilter, ConditionWarning } from './source.js';
export { Collector, type LoadConfig, type RuleInfo, type MacroInfo, type ListInfo } from './collector.js';
export { resolveList, resolveLists, quoteItem, compileLists, type CompiledList } from './lists.js';
export { readRules } from './reader.js';
export { resolveMacros, type CompiledMacro } from './macros.js';
