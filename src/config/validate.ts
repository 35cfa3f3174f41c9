// Checks a configuration object against the schema (schema.ts) and turns the first failures into
// messages a user can act on: the key path, and where it was written — the file, line and column
// of its YAML node, or the `-o` option that set it. The check is ajv's code for the schema,
// generated at build time (schema.generated.js, scripts/gen-validators.ts): compiling it here
// cost every command a third of a second at start.
import type { ErrorObject } from 'ajv';
import { isMap, isSeq, isScalar, type Document, type LineCounter } from 'yaml';
// ajv's validator leaves the last call's errors on itself; they are read right after the call.
import { validate as check } from './schema.generated.js';
import { ConfigError } from './overrides.js';

/** Where the configuration's values came from, to place an error. */
export interface ConfigSources {
  file?: { path: string; doc: Document; lines: LineCounter };
  /** The -o options in order, with the key path each one set (as object keys and indices). */
  overrides?: Array<{ text: string; path: string[] }>;
}

/** Throws a ConfigError listing what is wrong (at most 10 problems), or returns. */
export function validateConfig(raw: Record<string, unknown>, sources: ConfigSources = {}): void {
  if (check(raw)) return;
  const problems = dedupe((check.errors ?? []).filter(useful)).slice(0, 10).map((e) => describe(e, sources));
  throw new ConfigError(problems.join('\n'));
}

/** `if` failures only repeat what their `then` said; anyOf branches say it less clearly than anyOf. */
function useful(e: ErrorObject): boolean {
  return e.keyword !== 'if';
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject>();
  for (const e of errors) {
    const key = pathOf(e).join('.');
    const had = byPath.get(key);
    // anyOf reports each branch and then itself: keep the summary
    if (!had || e.keyword === 'anyOf') byPath.set(key, e);
  }
  return [...byPath.values()];
}

function pathOf(e: ErrorObject): string[] {
  const parts = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return parts;
}

function keyText(path: string[]): string {
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

function what(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': return 'unknown key';
    case 'type': return `must be ${p.type === 'boolean' ? 'true or false' : p.type === 'integer' ? 'an integer' : p.type === 'object' ? 'a map' : p.type === 'array' ? 'a list' : `a ${String(p.type)}`}`;
    case 'enum': return `must be one of: ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'required': return `needs key '${String(p.missingProperty)}'`;
    case 'anyOf': return 'has a value of the wrong type';
    default: return e.message ?? e.keyword;
  }
}

function describe(e: ErrorObject, sources: ConfigSources): string {
  const path = pathOf(e);
  const msg = `configuration key '${keyText(path)}' ${what(e)}`;
  const viaOption = [...(sources.overrides ?? [])].reverse().find((o) => prefixes(o.path, path) || prefixes(path, o.path));
  if (viaOption) return `-o ${viaOption.text}: ${msg}`;
  const file = sources.file;
  if (!file) return msg;
  const at = yamlPathOffset(file.doc, path, e.keyword === 'additionalProperties');
  if (!at) return `${file.path}: ${msg}`;
  const pos = file.lines.linePos(at);
  return `${file.path}:${pos.line}:${pos.col}: ${msg}`;
}

function prefixes(a: string[], b: string[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

/** Start offset of the node at `path` (map keys and list indexes) in a parsed YAML document (of its
 *  key when `atKey`), or of the deepest node found: where a message about that key points. */
export function yamlPathOffset(doc: Document, path: ReadonlyArray<string | number>, atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let at: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(step));
      if (!pair) return at;
      const last = i === path.length - 1;
      const keyAt = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (last && atKey) return keyAt ?? at;
      node = pair.value;
      at = (node as { range?: [number] } | null)?.range?.[0] ?? keyAt ?? at;
    } else if (isSeq(node)) {
      node = node.items[Number(step)];
      at = (node as { range?: [number] } | null)?.range?.[0] ?? at;
    } else return at;
  }
  return at;
}
