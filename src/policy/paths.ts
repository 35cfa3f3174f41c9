// Which policy files a configuration loads: the command line's --policy paths, else the
// configuration's `policies` key (a path or a list of paths).
import type { Config } from '../config/index.js';

export function policyPaths(cfg: Config, cliPaths: readonly string[] | undefined): string[] {
  if (cliPaths && cliPaths.length > 0) return [...cliPaths];
  const v = cfg.raw.policies;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((p): p is string => typeof p === 'string');
  return [];
}
