// Loading TracingPolicy files: YAML (multi-document; documents of other kinds, like a Pod next
// to the policy, are skipped with a warning), the CRD schema with Tetragon's defaults (ajv), the
// loaders' checks (checks.ts), then the hook plan for this kernel (plan.ts). Every problem carries
// file, line, column and field path; a policy with an error is not loaded, the others are.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { yamlPathOffset } from '../config/index.js';
import { checkPolicy, DEFAULT_CHECK_ENV, type CheckEnv } from './checks.js';
import type { KernelFeatures } from './features.js';
import { planPolicy, type PolicyPlan } from './plan.js';
// The CRD schema's check: ajv's code for schema.ts with Tetragon's defaults, generated at build time
// (scripts/gen-validators.ts; compiling it at run time cost half a second). It leaves the last
// call's errors on itself, read right after the call.
import { validate as checkSchema } from './schema.generated.js';
import type { PolicyProblem, TracingPolicy } from './types.js';
import { formatPath, type FieldPath } from './yaml-locate.js';

export interface LoadedPolicy {
  file: string;
  policy: TracingPolicy;
  plan: PolicyPlan;
  /** policy-mode option: monitor counts what enforce would do. */
  mode: 'enforce' | 'monitor';
}

export interface PolicyFileResult { file: string; policies: string[]; problems: PolicyProblem[] }

export interface PolicyLoad {
  policies: LoadedPolicy[];
  files: PolicyFileResult[];
  /** Every file loaded without errors (warnings allowed). */
  ok: boolean;
}

export interface LoadOptions {
  features: KernelFeatures;
  env?: CheckEnv;
}

/** Expands directories to their *.yaml / *.yml files in name order. */
function policyFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

export function loadPolicyFiles(paths: readonly string[], options: LoadOptions): PolicyLoad {
  const load: PolicyLoad = { policies: [], files: [], ok: true };
  const names = new Map<string, string>();
  for (const file of policyFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      load.files.push({ file, policies: [], problems: [{ file, line: 0, column: 0, path: '', message: (e as Error).message, severity: 'error' }] });
      load.ok = false;
      continue;
    }
    const result = loadPolicyText(file, text, options);
    for (const p of result.loaded) {
      const key = `${p.policy.metadata.namespace ?? ''}/${p.policy.metadata.name}`;
      const prev = names.get(key);
      if (prev) {
        result.file.problems.push({ file, line: 1, column: 1, path: 'metadata.name', message: `policy "${p.policy.metadata.name}" is already loaded from ${prev}`, severity: 'error' });
        continue;
      }
      names.set(key, file);
      load.policies.push(p);
    }
    if (result.file.problems.some((p) => p.severity === 'error')) load.ok = false;
    load.files.push(result.file);
  }
  return load;
}

/** Loads the policies of one file's text. */
export function loadPolicyText(file: string, text: string, opts: LoadOptions): { loaded: LoadedPolicy[]; file: PolicyFileResult } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const result: PolicyFileResult = { file, policies: [], problems: [] };
  const loaded: LoadedPolicy[] = [];
  if (!Array.isArray(docs)) {
    result.problems.push({ file, line: 1, column: 1, path: '', message: 'not a YAML document stream', severity: 'error' });
    return { loaded, file: result };
  }
  for (const doc of docs) {
    const problems: PolicyProblem[] = [];
    const report = (d: Document, path: FieldPath, message: string, severity: 'error' | 'warning' = 'error', key = false): void => {
      // at the node of that path (its key for an unknown field), or its nearest ancestor present
      const { line, col } = lc.linePos(yamlPathOffset(d, path, key) ?? 0);
      problems.push({ file, line, column: col, path: formatPath(path), message, severity });
    };
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const { line, col } = lc.linePos(e.pos[0]);
        problems.push({ file, line, column: col, path: '', message: e.message.split('\n')[0]!, severity: 'error' });
      }
      result.problems.push(...problems);
      continue;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const api = (value as { apiVersion?: unknown }).apiVersion;
    if (typeof value === 'object' && typeof api === 'string' && !api.startsWith('cilium.io/')) {
      report(doc, ['apiVersion'], `document of kind ${String((value as { kind?: unknown }).kind)} (${api}) is not a TracingPolicy; skipped`, 'warning');
      result.problems.push(...problems);
      continue;
    }
    if (!checkSchema(value)) {
      for (const e of checkSchema.errors ?? []) {
        const [path, message, key] = describeSchemaError(e);
        report(doc, path, message, 'error', key);
      }
      result.problems.push(...problems);
      continue;
    }
    const policy = value as TracingPolicy;
    checkPolicy(policy, (path, message, severity) => report(doc, path, message, severity), opts.env ?? DEFAULT_CHECK_ENV);
    if (!problems.some((p) => p.severity === 'error')) {
      const env = opts.env ?? DEFAULT_CHECK_ENV;
      const plan = planPolicy(policy, opts.features, env.tracepointFormat, (path, message, severity) => report(doc, path, message, severity));
      if (!problems.some((p) => p.severity === 'error')) {
        const mode = policy.spec.options?.find((o) => o.name === 'policy-mode')?.value === 'monitor' ? 'monitor' : 'enforce';
        loaded.push({ file, policy, plan, mode });
        result.policies.push(policy.metadata.name);
      }
    }
    result.problems.push(...problems);
  }
  return { loaded, file: result };
}

/** An ajv error as (field path, message, point at the key?). */
function describeSchemaError(e: ErrorObject): [FieldPath, string, boolean] {
  const path: Array<string | number> = e.instancePath.split('/').slice(1).map((s) => {
    const k = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(k) ? Number(k) : k;
  });
  const at = formatPath(path) || '(document)';
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      return [[...path, field], `unknown field "${field}" in ${at}`, true];
    }
    case 'required':
      return [path, `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`, false];
    case 'enum':
      return [path, `${JSON.stringify(e.data)} is not one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`, false];
    case 'const':
      return [path, `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`, false];
    case 'type':
      return [path, `must be ${(e.params as { type: string }).type} (got ${JSON.stringify(e.data)})`, false];
    case 'maxItems':
      return [path, `at most ${(e.params as { limit: number }).limit} item(s)`, false];
    default:
      return [path, e.message ?? e.keyword, false];
  }
}
