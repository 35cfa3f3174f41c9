// `-o key=value` overrides, with Falco's key syntax: dotted paths (`webserver.listen_port`),
// list indices (`rules_files[0]`), appends (`rules[].disable.tag=network`), and `\.` for a dot
// inside a key. Values are YAML scalars: numbers, booleans and strings. A key that would reach an
// object's prototype (__proto__, constructor, prototype) is refused: -o writes data, never code paths.
import { parse as parseYaml } from 'yaml';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Node = Record<string, unknown> | unknown[];

interface Step {
  key: string;
  /** undefined: plain key; -1: append ([]); n: index [n]. */
  index?: number;
}

/** Keys that would reach an object's prototype rather than the configuration itself. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** List indices beyond this are refused: `rules_files[99999999]` would make a list of that length. */
const MAX_INDEX = 4096;

function parseKey(key: string): Step[] {
  const steps: Step[] = [];
  let cur = '';
  const push = () => {
    if (cur === '') throw new ConfigError(`invalid configuration key '${key}'`);
    const m = /^(.*?)\[(\d*)\]$/.exec(cur);
    const step: Step = m ? { key: m[1]!, index: m[2] === '' ? -1 : Number(m[2]) } : { key: cur };
    if (FORBIDDEN_KEYS.has(step.key)) throw new ConfigError(`invalid configuration key '${key}': '${step.key}' is not a configuration key`);
    if (step.index !== undefined && step.index > MAX_INDEX) throw new ConfigError(`invalid configuration key '${key}': index ${step.index} is too large`);
    steps.push(step);
    cur = '';
  };
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    if (c === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) cur += key[++i];
    else if (c === '.') push();
    else cur += c;
  }
  push();
  for (const s of steps) {
    if (FORBIDDEN.has(s.key)) throw new ConfigError(`invalid configuration key '${key}': '${s.key}' cannot be set`);
  }
  return steps;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function scalar(text: string): unknown {
  // "!close" (base_syscalls.custom_set) is a name, not a YAML tag
  if (text.startsWith('!')) return text;
  try {
    const v: unknown = parseYaml(text);
    return v === null || typeof v === 'object' ? text : v;
  } catch {
    return text;
  }
}

/** Applies one `key=value` to a plain configuration object, creating what the path needs;
 *  returns the path it set, as keys and indices. */
export function applyOverride(config: Record<string, unknown>, kv: string): string[] {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new ConfigError(`invalid -o option '${kv}': expected key=value`);
  const steps = parseKey(kv.slice(0, eq));
  const value = scalar(kv.slice(eq + 1));
  let node: Node = config;
  const path: string[] = [];
  steps.forEach((step, i) => {
    path.push(step.key);
    const last = i === steps.length - 1;
    const obj = node as Record<string, unknown>;
    if (step.index === undefined) {
      if (last) obj[step.key] = value;
      else {
        if (typeof obj[step.key] !== 'object' || obj[step.key] === null) obj[step.key] = {};
        node = obj[step.key] as Node;
      }
      return;
    }
    if (!Array.isArray(obj[step.key])) obj[step.key] = [];
    const arr = obj[step.key] as unknown[];
    const idx = step.index === -1 ? arr.length : step.index;
    path.push(String(idx));
    if (last) arr[idx] = value;
    else {
      if (typeof arr[idx] !== 'object' || arr[idx] === null) arr[idx] = {};
      node = arr[idx] as Node;
    }
  });
  return path;
}
