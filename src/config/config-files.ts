// The configuration as Falco assembles it: the main file (-c), then the files its `config_files`
// names merged in order — a directory stands for its regular files in lexicographic order, a
// missing path is skipped — then the `-o` overrides. Each entry is a path or `{path, strategy}`:
// `append` (default: a sequence extends the one already there, anything else replaces it),
// `override` (replaces) or `add-only` (only keys not yet set). Merging is by top-level key, as
// Falco's yaml_helper::include_config_file does. Without a `config_files` key, `config.d` beside
// the main file is read (Falco's packaged falco.yaml names /etc/falco/config.d).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readConfigFile, resolveConfig, shown, type Config } from './config.js';
import { applyOverride, ConfigError } from './overrides.js';

export type MergeStrategy = 'append' | 'override' | 'add-only';

interface ConfigFileEntry {
  path: string;
  strategy: MergeStrategy;
}

export interface LayeredConfig {
  config: Config;
  /** Every configuration file read, main first, in merge order (for reload watching and hashes). */
  files: string[];
  /** The directories config_files named (watched for files appearing). */
  dirs: string[];
}

const STRATEGIES: readonly MergeStrategy[] = ['append', 'override', 'add-only'];

/** The `config_files` entries of a configuration object; errors name the entry. */
function configFileEntries(raw: Record<string, unknown>, where: string): ConfigFileEntry[] {
  const v = raw.config_files;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((e, i) => {
    if (typeof e === 'string') return { path: e, strategy: 'append' };
    if (typeof e === 'object' && e !== null && typeof (e as { path?: unknown }).path === 'string') {
      const s = (e as { strategy?: unknown }).strategy ?? 'append';
      if (!STRATEGIES.includes(s as MergeStrategy)) {
        throw new ConfigError(`${where}: config_files[${i}].strategy must be one of ${STRATEGIES.join(', ')}, got '${shown(s)}'`);
      }
      return { path: (e as { path: string }).path, strategy: s as MergeStrategy };
    }
    throw new ConfigError(`${where}: config_files[${i}] must be a path or {path, strategy}`);
  });
}

/** Merges one included file's top-level keys into `into` with Falco's strategies. */
export function mergeConfig(into: Record<string, unknown>, add: Record<string, unknown>, strategy: MergeStrategy, file: string): void {
  for (const [key, value] of Object.entries(add)) {
    if (key === 'config_files') throw new ConfigError(`${file}: 'config_files' directive in an included config file (nested includes are not allowed)`);
    const cur = into[key];
    if (strategy === 'add-only') {
      if (cur === undefined) into[key] = value;
    } else if (strategy === 'append' && Array.isArray(value)) {
      into[key] = Array.isArray(cur) ? [...(cur as unknown[]), ...(value as unknown[])] : [...(value as unknown[])];
    } else {
      into[key] = value;
    }
  }
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).map((n) => join(dir, n)).filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  }).sort();
}

/** Main file, config_files, then overrides; throws ConfigError naming file, line and column. */
export function loadLayeredConfig(opts: { file?: string; overrides?: readonly string[] } = {}): LayeredConfig {
  const raw: Record<string, unknown> = opts.file ? readConfigFile(opts.file) : {};
  const files = opts.file ? [resolve(opts.file)] : [];
  const dirs: string[] = [];
  // `-o config_files...` adds includes before the merge, as Falco's load_cmdline_config_files does.
  const overrides = opts.overrides ?? [];
  const isInclude = (o: string) => /^config_files(\[|=|\.)/.test(o);
  for (const o of overrides.filter(isInclude)) applyOverride(raw, o);
  let entries = configFileEntries(raw, opts.file ?? '-o config_files');
  if (raw.config_files === undefined && opts.file) entries = [{ path: join(dirname(resolve(opts.file)), 'config.d'), strategy: 'append' }];
  delete raw.config_files;
  for (const e of entries) {
    const p = resolve(e.path);
    if (files[0] === p) throw new ConfigError(`config_files tried to include the main config file ${opts.file}`);
    if (!existsSync(p)) continue; // as Falco (and rules_files): a missing entry is skipped
    const include = statSync(p).isDirectory() ? (dirs.push(p), filesOf(p)) : [p];
    for (const f of include) {
      mergeConfig(raw, readConfigFile(f), e.strategy, f);
      files.push(f);
    }
  }
  for (const o of overrides.filter((x) => !isInclude(x))) applyOverride(raw, o);
  return { config: resolveConfig(raw), files, dirs };
}

/** sha256 of each configuration file read, for falcosecurity_falco_sha256_config_files_info. */
export function fileHashes(files: readonly string[]): Array<{ file: string; sha256: string }> {
  return files.map((f) => {
    let sha256 = '';
    try {
      sha256 = createHash('sha256').update(readFileSync(f)).digest('hex');
    } catch {
      sha256 = 'unreadable';
    }
    return { file: f, sha256 };
  });
}
