// Loading the rules a command runs with: -r files and directories, else the configuration's
// rules_files, else Saker's built-in rules; with the configuration's priority, rule_matching,
// enable/disable selections and append_output applied.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { packageRoot } from '../package-root.js';
import { compareVersions, loadRulesFiles, RulesCache, parseVersion, type ExtraOutputFormat, type LoadedRules } from '../rules/index.js';
import type { EventContext } from '../state/index.js';

/** Saker's own default rules, shipped in the package. */
export const DEFAULT_RULES_FILE = join(packageRoot(), 'rules', 'saker_rules.yaml');

/** Fields the container support suggests for every syscall alert, as Falco's container plugin does. */
const SUGGESTED_OUTPUT = ' container_id=%container.id container_name=%container.name container_image_repository=%container.image.repository'
  + ' container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name';

/** append_output entries as extra formats; Falco's default is the suggested fields alone. */
function extraOutputFormats(cfg: Config): ExtraOutputFormat[] {
  const entries = cfg.raw.append_output === undefined ? [{ suggested_output: true }] : cfg.appendOutput;
  const out: ExtraOutputFormat[] = [];
  for (const e of entries as Array<Record<string, unknown>>) {
    const match = (e.match ?? {}) as { source?: string; tags?: string[]; rule?: string };
    if (e.suggested_output === true) out.push({ format: SUGGESTED_OUTPUT.trimStart(), source: 'syscall' });
    if (typeof e.extra_output === 'string') out.push({ format: e.extra_output, source: match.source, tags: match.tags, rule: match.rule });
  }
  return out;
}

export function rulesPaths(cfg: Config, cliPaths: readonly string[] | undefined): string[] {
  if (cliPaths && cliPaths.length > 0) return [...cliPaths];
  if (cfg.rulesFiles.length > 0) return cfg.rulesFiles;
  return [DEFAULT_RULES_FILE];
}

/**
 * The rules cache of the built CLI (parsed files, compile records): dist/bundle/rules-cache, beside
 * the bundle (whose URL import.meta.url is there), so that a build, which empties dist/bundle,
 * empties it too and an entry never outlives the code that wrote it. Run from the sources: none.
 */
function rulesCache(): RulesCache | undefined {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.cjs') ? new RulesCache(join(dirname(self), 'rules-cache')) : undefined;
}

/** The loader's options from the configuration (all but the rules cache, which changes no result). */
function loadOptions(cfg: Config, validating: boolean) {
  return {
    continueOnError: validating,
    minPriority: cfg.priority,
    ruleMatching: cfg.ruleMatching,
    selections: cfg.rules.map((s) => ('enable' in s ? { action: 'enable' as const, ...s.enable } : { action: 'disable' as const, ...s.disable })),
    extraOutputFormats: extraOutputFormats(cfg),
  };
}

/** What a load's result depends on besides the files' content, as one comparable string. */
function loadKey(cfg: Config, paths: readonly string[], validating: boolean): string {
  return JSON.stringify([paths, loadOptions(cfg, validating)]);
}

/**
 * Rules loaded ahead of time, while the CLI's start-up snapshot was built (src/cli/snapshot.ts):
 * the built-in rules as the default configuration loads them, compiled, kept in the snapshot's
 * heap. Each is handed out once, to a load whose options and paths are the same and whose files
 * still hold, byte for byte, what was loaded; any other load compiles as it always does, so
 * results and diagnostics cannot differ. Validation takes them too when they loaded without an
 * error: it differs from a load to run only in going on past a file that fails.
 */
export class PreparedRules {
  private readonly byKey = new Map<string, LoadedRules<EventContext>>();

  /** Loads the rules of `paths` ahead; returns them (kept for take). */
  async add(cfg: Config, paths: readonly string[]): Promise<LoadedRules<EventContext>> {
    const loaded = await loadRules(cfg, paths);
    this.byKey.set(loadKey(cfg, paths, false), loaded);
    return loaded;
  }

  /** The rules loaded ahead for this load, once, when its files did not change since. */
  take(cfg: Config, paths: readonly string[], validating: boolean): LoadedRules<EventContext> | undefined {
    const key = loadKey(cfg, paths, false);
    const loaded = this.byKey.get(key);
    if (!loaded || (validating && !loaded.successful)) return undefined;
    if (loaded.contents.size !== paths.length || !paths.every((p) => sameContent(p, loaded.contents.get(p)))) return undefined;
    this.byKey.delete(key); // one process, one load: a reload compiles anew
    return loaded;
  }
}

function sameContent(path: string, loaded: string | undefined): boolean {
  try {
    return loaded !== undefined && readFileSync(path, 'utf8') === loaded;
  } catch {
    return false; // a directory, or gone: the loader says what it is
  }
}

export function loadRules(cfg: Config, paths: readonly string[], validating = false, prepared?: PreparedRules): Promise<LoadedRules<EventContext>> {
  const ahead = prepared?.take(cfg, paths, validating);
  if (ahead) return Promise.resolve(ahead);
  return loadRulesFiles<EventContext>(paths, { cache: rulesCache(), ...loadOptions(cfg, validating) });
}

/** Falco's startup report of a failed load: each failing file's result, verbose. */
function describeFailure(loaded: LoadedRules<EventContext>): string {
  return loaded.results.filter((r) => !r.successful).map((r) => r.toText(true, loaded.contents)).join('\n');
}

/**
 * Plugins Saker stands in for. Its built-in container support provides the container plugin's
 * fields, so rules files that require `container` load as they do in Falco with that plugin.
 */
const BUILTIN_PLUGINS: ReadonlyArray<{ name: string; version: string }> = [{ name: 'container', version: '0.6.0' }];

/**
 * Falco's check of `required_plugin_versions` at start-up: each entry (with its alternatives)
 * must be met by a loaded plugin of at least that version. Returns the error, or undefined.
 */
function unmetPluginRequirement(loaded: LoadedRules<EventContext>): string | undefined {
  for (const alternatives of loaded.loader.collector.requiredPluginVersions) {
    const met = alternatives.some((req) => BUILTIN_PLUGINS.some((p) => {
      const have = parseVersion(p.version);
      const want = parseVersion(req.version);
      return p.name === req.name && have !== undefined && want !== undefined && compareVersions(have, want) >= 0;
    }));
    if (!met) {
      return `Plugin requirement not satisfied, must load one of: ${alternatives.map((r) => `${r.name} (>= ${r.version})`).join(', ')}`;
    }
  }
  return undefined;
}

export type RunnableRules = { ok: true; loaded: LoadedRules<EventContext> } | { ok: false; error: string };

/** Loads rules to run them (agent, replay, list): a file with errors or an unmet plugin requirement is an error. */
export async function loadRunnableRules(cfg: Config, paths: readonly string[], prepared?: PreparedRules): Promise<RunnableRules> {
  const loaded = await loadRules(cfg, paths, false, prepared);
  if (!loaded.successful) return { ok: false, error: describeFailure(loaded) };
  const unmet = unmetPluginRequirement(loaded);
  if (unmet) return { ok: false, error: unmet };
  return { ok: true, loaded };
}
