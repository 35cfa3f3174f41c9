// The outcome of loading one rules file: errors and warnings with codes and contexts, printable
// as Falco prints them (`falco -V` text and JSON) and as Saker's flat form (`saker validate --json`).

import type { LoadContext, FalcoJsonLocation, ItemType } from './context.js';

export type ErrorCode =
  | 'LOAD_ERR_FILE_READ'
  | 'LOAD_ERR_YAML_PARSE'
  | 'LOAD_ERR_YAML_VALIDATE'
  | 'LOAD_ERR_COMPILE_CONDITION'
  | 'LOAD_ERR_COMPILE_OUTPUT'
  | 'LOAD_ERR_VALIDATE'
  | 'LOAD_ERR_EXTENSION';

export type WarningCode =
  | 'LOAD_UNKNOWN_SOURCE'
  | 'LOAD_UNSAFE_NA_CHECK'
  | 'LOAD_NO_EVTTYPE'
  | 'LOAD_UNKNOWN_FILTER'
  | 'LOAD_UNUSED_MACRO'
  | 'LOAD_UNUSED_LIST'
  | 'LOAD_UNKNOWN_ITEM'
  | 'LOAD_DEPRECATED_ITEM'
  | 'LOAD_WARNING_EXTENSION'
  | 'LOAD_APPEND_NO_VALUES'
  | 'LOAD_EXCEPTION_NAME_NOT_UNIQUE'
  | 'LOAD_INVALID_MACRO_NAME'
  | 'LOAD_INVALID_LIST_NAME'
  | 'LOAD_COMPILE_CONDITION'
  | 'LOAD_UNKNOWN_KEY';

/** Short strings; Falco also uses them as the JSON "codedesc" of errors. */
const ERROR_STRINGS: Record<ErrorCode, string> = {
  LOAD_ERR_FILE_READ: 'File read error',
  LOAD_ERR_YAML_PARSE: 'YAML parse error',
  LOAD_ERR_YAML_VALIDATE: 'Error validating internal structure of YAML file',
  LOAD_ERR_COMPILE_CONDITION: 'Error compiling condition',
  LOAD_ERR_COMPILE_OUTPUT: 'Error compiling output',
  LOAD_ERR_VALIDATE: 'Error validating rule/macro/list/exception objects',
  LOAD_ERR_EXTENSION: 'Error in extension item',
};

const WARNING_STRINGS: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE: 'Unknown event source',
  LOAD_UNSAFE_NA_CHECK: 'Unsafe <NA> comparison in condition',
  LOAD_NO_EVTTYPE: 'Condition has no event-type restriction',
  LOAD_UNKNOWN_FILTER: 'Unknown field or event-type in condition or output',
  LOAD_UNUSED_MACRO: 'Unused macro',
  LOAD_UNUSED_LIST: 'Unused list',
  LOAD_UNKNOWN_ITEM: 'Unknown rules file item',
  LOAD_DEPRECATED_ITEM: 'Used deprecated item',
  LOAD_WARNING_EXTENSION: 'Warning in extension item',
  LOAD_APPEND_NO_VALUES: 'Overriding/appending with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'Multiple exceptions defined with the same name',
  LOAD_INVALID_MACRO_NAME: 'Invalid macro name',
  LOAD_INVALID_LIST_NAME: 'Invalid list name',
  LOAD_COMPILE_CONDITION: 'Warning in rule condition',
  LOAD_UNKNOWN_KEY: 'Unknown key in item definition',
};

const WARNING_DESCRIPTIONS: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE:
    'A rule has a unknown event source. This can occur when reading rules content without having a corresponding plugin loaded, etc. The rule will be silently ignored.',
  LOAD_UNSAFE_NA_CHECK:
    "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.",
  LOAD_NO_EVTTYPE:
    'A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.',
  LOAD_UNKNOWN_FILTER:
    'A rule condition or output refers to a field or evt.type that does not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, the error is downgraded to a warning.',
  LOAD_UNUSED_MACRO: 'A macro is defined in the rules content but is not used by any other macro or rule.',
  LOAD_UNUSED_LIST: 'A list is defined in the rules content but is not used by any other list, macro, or rule.',
  LOAD_UNKNOWN_ITEM: 'An unknown top-level object is in the rules content. It will be ignored.',
  LOAD_DEPRECATED_ITEM: 'A deprecated item is employed by lists, macros, or rules.',
  LOAD_WARNING_EXTENSION: 'An extension item has a warning',
  LOAD_APPEND_NO_VALUES: 'A rule exception is overriding/appending with no values',
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: 'A rule is defining multiple exceptions with the same name',
  LOAD_INVALID_MACRO_NAME: 'A macro is defined with an invalid name',
  LOAD_INVALID_LIST_NAME: 'A list is defined with an invalid name',
  LOAD_COMPILE_CONDITION: 'A rule condition or output have been parsed with a warning',
  LOAD_UNKNOWN_KEY:
    'An item in the rules content contains an unrecognized key. The key will be ignored. This may indicate a typo or a property placed on the wrong item type.',
};

/** Fields whose use Falco reports as deprecated (enter events are no longer captured). */
export const DEPRECATED_FIELDS = [
  'evt.dir',
  'evt.latency',
  'evt.latency.s',
  'evt.latency.ns',
  'evt.latency.human',
  'evt.wait_latency',
] as const;
export type DeprecatedField = (typeof DEPRECATED_FIELDS)[number];

const LATENCY_FIELD_DESC = 'field is not available due to the drop of enter events.';

export function deprecatedFieldDescription(field: DeprecatedField): string {
  if (field === 'evt.dir') {
    return "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'";
  }
  return LATENCY_FIELD_DESC;
}

/** Thrown while reading, collecting or compiling; the first one ends the loading of a file. */
export class RuleLoadError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: LoadContext,
  ) {
    super(message);
    this.name = 'RuleLoadError';
  }
}

export interface LoadError {
  code: ErrorCode;
  message: string;
  context: LoadContext;
}

export interface LoadWarning {
  code: WarningCode;
  message: string;
  context: LoadContext;
  /** Set for LOAD_DEPRECATED_ITEM warnings about a field. */
  deprecatedField?: DeprecatedField;
}

/** One error or warning in Saker's flat form; line and column are 1-based. */
export interface FlatDiagnostic {
  file: string;
  line: number;
  column: number;
  code: ErrorCode | WarningCode;
  message: string;
  item_type: ItemType;
  item_name: string;
}

export interface FalcoJsonDiagnostic {
  context: { locations: FalcoJsonLocation[]; snippet: string };
  code: string;
  codedesc: string;
  message: string;
  deprecated_field?: string;
}

export interface FalcoJsonResult {
  name: string;
  successful: boolean;
  errors: FalcoJsonDiagnostic[];
  warnings: FalcoJsonDiagnostic[];
}

export class LoadResult {
  readonly errors: LoadError[] = [];
  readonly warnings: LoadWarning[] = [];

  constructor(readonly name: string) {}

  get successful(): boolean {
    return this.errors.length === 0;
  }

  get hasWarnings(): boolean {
    return this.warnings.length > 0;
  }

  addError(code: ErrorCode, message: string, context: LoadContext): void {
    this.errors.push({ code, message, context });
  }

  addWarning(code: WarningCode, message: string, context: LoadContext, deprecatedField?: DeprecatedField): void {
    this.warnings.push(deprecatedField ? { code, message, context, deprecatedField } : { code, message, context });
  }

  /** Falco's `as_json`: what `falco -V f.yaml -o json_output=true` prints for one file. */
  toFalcoJson(contents: ReadonlyMap<string, string>): FalcoJsonResult {
    return {
      name: this.name,
      successful: this.successful,
      errors: this.errors.map((e) => ({
        context: { ...e.context.toJson(), snippet: e.context.snippet(contents) },
        code: e.code,
        codedesc: ERROR_STRINGS[e.code],
        message: e.message,
      })),
      warnings: this.warnings.map((w) => {
        const json: FalcoJsonDiagnostic = {
          context: { ...w.context.toJson(), snippet: w.context.snippet(contents) },
          code: w.code,
          codedesc: warningCodeDescription(w),
          message: w.message,
        };
        if (w.deprecatedField) json.deprecated_field = w.deprecatedField;
        return json;
      }),
    };
  }

  /** Falco's `as_string`: the summary form, or with `verbose` every location and snippet. */
  toText(verbose: boolean, contents: ReadonlyMap<string, string>): string {
    let out = this.name !== '' ? `${this.name}: ` : '';
    out += this.successful ? (this.hasWarnings ? 'Ok, with warnings' : 'Ok') : 'Invalid';
    if (!verbose) {
      if (this.errors.length > 0) {
        out += `\n ${this.errors.length} errors: [`;
        out += this.errors.map((e) => `${e.code} (${ERROR_STRINGS[e.code]})`).join(' ') + ']';
      }
      if (this.warnings.length > 0) {
        out += `\n ${this.warnings.length} warnings: [`;
        out += this.warnings.map((w) => `${w.code} (${warningShortString(w)})`).join(' ') + ']';
      }
      return out;
    }
    if (this.errors.length > 0) {
      out += `\n${this.errors.length} Errors:\n`;
      for (const e of this.errors) {
        out += e.context.toText() + '------\n' + e.context.snippet(contents) + '------\n';
        out += `${e.code} (${ERROR_STRINGS[e.code]}): ${e.message}\n`;
      }
    }
    if (this.warnings.length > 0) {
      out += `\n${this.warnings.length} Warnings:\n`;
      for (const w of this.warnings) {
        out += w.context.toText() + '------\n' + w.context.snippet(contents) + '------\n';
        out += `${w.code} (${warningShortString(w)}): ${w.message}\n`;
      }
    }
    return out;
  }

  flatErrors(): FlatDiagnostic[] {
    return this.errors.map((e) => flatten(e.code, e.message, e.context));
  }

  flatWarnings(): FlatDiagnostic[] {
    return this.warnings.map((w) => flatten(w.code, w.message, w.context));
  }
}

export function errorCodeString(code: ErrorCode): string {
  return ERROR_STRINGS[code];
}

function warningShortString(w: LoadWarning): string {
  const base = WARNING_STRINGS[w.code];
  return w.deprecatedField ? `${base}: field '${w.deprecatedField}'` : base;
}

function warningCodeDescription(w: LoadWarning): string {
  const base = WARNING_DESCRIPTIONS[w.code];
  return w.deprecatedField ? `${base}: ${deprecatedFieldDescription(w.deprecatedField)}` : base;
}

function flatten(code: ErrorCode | WarningCode, message: string, context: LoadContext): FlatDiagnostic {
  const pos = context.position;
  const { itemType, itemName } = context.item;
  return {
    file: context.fileName,
    line: pos.line + 1,
    column: pos.column + 1,
    code,
    message,
    item_type: itemType,
    item_name: itemName,
  };
}
