// Compiles everything collected so far (rule_loader_compiler.cpp): lists are expanded, macro
// and rule conditions get list names substituted and are parsed, macros are expanded with
// their visibility, exceptions become `and not (...)` clauses, outputs and conditions are
// validated by the rule's source, and syscall rules get their event codes.

import type { Expr, Node, Pos } from '../filter/index.js';
import { EVENT_TABLE } from '../events/index.js';
import { LoadContext } from './context.js';
import { conditionFilePosition, parseWithLists } from './conditions.js';
import type { Collector, LoadConfig, RuleInfo } from './collector.js';
import { buildExceptionCondition } from './exceptions.js';
import { compileLists, type CompiledList } from './lists.js';
import { compileMacros, expandMacros, type CompiledMacro, type MacroLookup } from './macros.js';
import type { Priority } from './priority.js';
import { DEPRECATED_FIELDS, RuleLoadError, deprecatedFieldDescription, type DeprecatedField } from './result.js';
import type { RuleFilter, RuleSource } from './source.js';

export const SYSCALL_SOURCE = 'syscall';

/** Falco warns when a syscall rule can match more event codes than this. */
export const NO_EVTTYPE_THRESHOLD = 100;

const CONTAINER_INFO = '%container.info';
const CONTAINER_INFO_WARNING =
  '%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.';
const NO_EVTTYPE_WARNING = 'Rule matches too many evt.type values. This has a significant performance penalty.';

const ASYNCEVENT_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_ASYNCEVENT_E');
const PLUGINEVENT_E = EVENT_TABLE.findIndex((e) => e.id === 'PPME_PLUGINEVENT_E');

/** An `append_output` entry: text appended to the outputs of the rules it matches. */
export interface ExtraOutputFormat {
  format: string;
  /** Only rules of this source (any when empty). */
  source?: string;
  /** Only rules having all these tags. */
  tags?: readonly string[];
  /** Only the rule of this name (any when empty). */
  rule?: string;
}

export interface CompileConfig extends LoadConfig {
  extraOutputFormats?: readonly ExtraOutputFormat[];
}

export interface CompiledRule<Ctx = unknown> {
  /** Position in compiled order (first-definition order). */
  id: number;
  name: string;
  source: string;
  description: string;
  /** The output format after appending extra formats and dropping %container.info. */
  output: string;
  priority: Priority;
  /** Sorted, like Falco's std::set. */
  tags: readonly string[];
  capture: boolean;
  captureDuration: number;
  /** The rule's `enabled` flag (the ruleset decides what actually runs). */
  enabled: boolean;
  /** The condition text that was parsed: exceptions applied and lists substituted. */
  conditionText: string;
  /** The macro-expanded condition. */
  condition: Expr;
  filter: RuleFilter<Ctx>;
  /**
   * Event codes the rule is indexed under: for syscall rules the codes its condition can
   * match plus the async meta-event, for other sources the plugin and async events.
   */
  eventCodes: readonly number[] | undefined;
  /** For syscall rules: the codes the condition itself can match. */
  conditionEventCodes: ReadonlySet<number> | undefined;
  /** Fields used by the rule's exceptions. */
  exceptionFields: readonly string[];
}

export interface CompileOutput<Ctx = unknown> {
  lists: Map<string, CompiledList>;
  macros: Map<string, CompiledMacro>;
  rules: CompiledRule<Ctx>[];
}

/**
 * Compiles the collected definitions. Errors and warnings go to `cfg.result`; returns
 * undefined when compiling stopped at an error.
 */
export function compileCollected<Ctx>(cfg: CompileConfig, collector: Collector): CompileOutput<Ctx> | undefined {
  const lists = compileLists(collector.lists.values());
  const rules: CompiledRule<Ctx>[] = [];
  let macros: Map<string, CompiledMacro>;
  try {
    macros = compileMacros(collector, lists);
    for (const info of collector.rules.values()) {
      const rule = compileRule<Ctx>(cfg, collector, info, lists, macros, rules.length);
      if (rule) rules.push(rule);
    }
  } catch (err) {
    if (!(err instanceof RuleLoadError)) throw err;
    cfg.result.addError(err.code, err.message, err.context);
    return undefined;
  }
  for (const m of macros.values()) {
    if (!m.used) {
      cfg.result.addWarning('LOAD_UNUSED_MACRO', 'Macro not referred to by any other rule/macro', collector.macros.get(m.name)!.context);
    }
  }
  for (const l of lists.values()) {
    if (!l.used) {
      cfg.result.addWarning('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', collector.lists.get(l.name)!.context);
    }
  }
  return { lists, macros, rules };
}

/** libsinsp errors that `skip-if-unknown-filter` turns into warnings. */
function isUnknownFieldOrEvent(message: string): boolean {
  return (
    message.includes('nonexistent field') ||
    message.includes('invalid formatting token') ||
    message.includes('unknown event type') ||
    message.includes('unknown filter:')
  );
}

/** One rule of the collected definitions; undefined when it is skipped (unknown source or field). */
function compileRule<Ctx>(
  cfg: CompileConfig,
  collector: Collector,
  info: RuleInfo,
  lists: Map<string, CompiledList>,
  macros: Map<string, CompiledMacro>,
  id: number,
): CompiledRule<Ctx> | undefined {
  if (info.unknownSource) return undefined;
  const source = cfg.sources.get(info.source) as RuleSource<Ctx> | undefined;
  if (!source) throw new RuleLoadError('LOAD_ERR_VALIDATE', `Unknown source at compile-time${info.source}`, info.context);

  const output = compileOutput(cfg, info);
  try {
    source.validateOutput(output);
  } catch (err) {
    const message = errorMessage(err);
    if (info.skipIfUnknownFilter && isUnknownFieldOrEvent(message)) {
      cfg.result.addWarning('LOAD_UNKNOWN_FILTER', message, info.outputContext);
      return undefined;
    }
    throw new RuleLoadError('LOAD_ERR_COMPILE_OUTPUT', message, info.outputContext);
  }
  for (const field of DEPRECATED_FIELDS) {
    if (output.includes(field)) {
      cfg.result.addWarning(
        'LOAD_DEPRECATED_ITEM',
        `usage of deprecated field '${field}' has been detected in the rule output`,
        info.outputContext,
        field,
      );
    }
  }

  const { text, expr, exceptionFields, conditionSource } = ruleCondition(cfg, collector, info, lists, macros);
  let filter: RuleFilter<Ctx>;
  const start = { idx: 0, line: 0, col: 0 };
  try {
    filter = source.compileCondition(expr, (w) => {
      cfg.result.addWarning('LOAD_COMPILE_CONDITION', w.message, LoadContext.inCondition(w.pos ?? start, text, info.conditionContext));
    });
  } catch (err) {
    const message = errorMessage(err);
    const pos = errorPos(err) ?? start;
    const ctx = LoadContext.inCondition(pos, text, info.conditionContext, conditionFilePosition(pos, text, conditionSource));
    if (info.skipIfUnknownFilter && isUnknownFieldOrEvent(message)) {
      cfg.result.addWarning('LOAD_UNKNOWN_FILTER', message, ctx);
      return undefined;
    }
    throw new RuleLoadError('LOAD_ERR_COMPILE_CONDITION', message, ctx);
  }

  let eventCodes: number[] | undefined;
  let conditionEventCodes: ReadonlySet<number> | undefined;
  if (info.source === SYSCALL_SOURCE && source.eventCodes) {
    conditionEventCodes = source.eventCodes(expr);
    // An empty set means the condition can never match (never_true), not "too many".
    if (conditionEventCodes.size > NO_EVTTYPE_THRESHOLD && info.warnEvttypes) {
      cfg.result.addWarning('LOAD_NO_EVTTYPE', NO_EVTTYPE_WARNING, info.context);
    }
    eventCodes = [...conditionEventCodes];
    if (!conditionEventCodes.has(ASYNCEVENT_E)) eventCodes.push(ASYNCEVENT_E);
    eventCodes.sort((a, b) => a - b);
  } else if (info.source !== SYSCALL_SOURCE) {
    eventCodes = [PLUGINEVENT_E, ASYNCEVENT_E];
  }

  return {
    id,
    ...ruleInfoFields(info),
    output,
    conditionText: text,
    condition: expr,
    filter,
    eventCodes,
    conditionEventCodes,
    exceptionFields,
  };
}

/** The fields of a compiled rule that are its collected definition's as they are. */
export type RuleInfoFields = Pick<CompiledRule, 'name' | 'source' | 'description' | 'priority' | 'tags' | 'capture' | 'captureDuration' | 'enabled'>;

export function ruleInfoFields(info: RuleInfo): RuleInfoFields {
  return {
    name: info.name,
    source: info.source,
    description: info.desc,
    priority: info.priority,
    tags: [...info.tags].sort(),
    capture: info.capture,
    captureDuration: info.captureDuration,
    enabled: info.enabled,
  };
}

/** A rule's condition as compiled: exceptions applied, lists substituted, parsed, macros expanded. */
export interface RuleCondition {
  text: string;
  expr: Expr;
  exceptionFields: string[];
  /** The condition's place in the file while the text is still the file's (no exceptions). */
  conditionSource: RuleInfo['conditionSource'];
}

/** The condition of rule `info` (all macros visible), its warnings given to `cfg.result`; throws RuleLoadError. */
export function ruleCondition(cfg: CompileConfig, collector: Collector, info: RuleInfo, lists: Map<string, CompiledList>, macros: MacroLookup): RuleCondition {
  const exceptionFields = new Set<string>();
  let condition = info.condition;
  let conditionSource = info.conditionSource;
  if (info.exceptions.length > 0) {
    condition = buildExceptionCondition(condition, info.exceptions);
    for (const ex of info.exceptions) {
      if (ex.values.length === 0) continue;
      if (ex.fields.isList) for (const f of ex.fields.items) exceptionFields.add(f.item);
      else exceptionFields.add(ex.fields.item);
    }
    conditionSource = undefined;
  }
  const owner = { ...info, conditionSource };
  const parsed = parseWithLists(condition, lists, owner, collector.parsedConditions);
  const text = parsed.text;
  const expr = expandMacros(parsed.expr, text, owner, macros, (name) => collector.macros.has(name));
  reportConditionWarnings(cfg, expr, text, info.conditionContext);
  return { text, expr, exceptionFields: [...exceptionFields].sort(), conditionSource };
}

/** The rule output with matching extra formats appended and %container.info removed. */
export function compileOutput(cfg: CompileConfig, info: RuleInfo): string {
  let output = info.output;
  for (const extra of cfg.extraOutputFormats ?? []) {
    if (extra.source && extra.source !== info.source) continue;
    if (extra.tags && !extra.tags.every((t) => info.tags.has(t))) continue;
    if (extra.rule && extra.rule !== info.name) continue;
    output += ' ' + extra.format;
  }
  if (output.includes(CONTAINER_INFO)) {
    cfg.result.addWarning('LOAD_DEPRECATED_ITEM', CONTAINER_INFO_WARNING, info.context);
    output = output.split(CONTAINER_INFO).join('');
  }
  return output;
}

/**
 * falco filter_warning_resolver: `<NA>` compared with equality operators on ka./jevt. fields,
 * and deprecated fields anywhere in the condition.
 */
function reportConditionWarnings(cfg: CompileConfig, expr: Expr, text: string, conditionContext: LoadContext): void {
  let unsafeNa = false;
  const deprecated = new Set<DeprecatedField>();
  const visitField = (node: Node): void => {
    if (node.kind === 'field') {
      if ((DEPRECATED_FIELDS as readonly string[]).includes(node.name)) deprecated.add(node.name as DeprecatedField);
    } else if (node.kind === 'transformer') {
      for (const a of node.args) visitField(a);
    } else if (node.kind === 'transformerList') {
      for (const a of node.items) visitField(a);
    }
  };
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'and':
      case 'or':
        e.children.forEach(visit);
        return;
      case 'not':
        visit(e.child);
        return;
      case 'unary':
        visitField(e.left);
        return;
      case 'binary': {
        visitField(e.left);
        const unsafe = e.left.kind === 'field' && (e.left.name.startsWith('ka.') || e.left.name.startsWith('jevt.'));
        if (unsafe && ['==', '=', '!=', 'in', 'intersects', 'pmatch'].includes(e.op)) {
          const r = e.right;
          if ((r.kind === 'value' && r.value === '<NA>') || (r.kind === 'list' && r.values.some((v) => v.value === '<NA>'))) {
            unsafeNa = true;
          }
        }
        return;
      }
      case 'identifier':
        return;
    }
  };
  visit(expr);
  const ctx = LoadContext.inCondition({ idx: 0, line: 0, col: 0 }, text, conditionContext);
  if (unsafeNa) cfg.result.addWarning('LOAD_UNSAFE_NA_CHECK', '', ctx);
  for (const field of DEPRECATED_FIELDS) {
    if (deprecated.has(field)) cfg.result.addWarning('LOAD_DEPRECATED_ITEM', deprecatedFieldDescription(field), ctx, field);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorPos(err: unknown): Pos | undefined {
  const pos = (err as { pos?: unknown } | null)?.pos;
  if (pos && typeof pos === 'object' && 'idx' in pos && 'line' in pos && 'col' in pos) return pos as Pos;
  return undefined;
}
