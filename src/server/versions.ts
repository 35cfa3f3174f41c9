// GET /versions as Falco answers it (versions_info.cpp): the keys falcoctl reads to match rules
// artifacts (engine_version — the minor alone, kept for old tooling — engine_version_semver,
// plugin_versions), plus Saker's own version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { ENGINE_VERSION, formatVersion } from '../rules/index.js';

export interface Versions {
  saker_version: string;
  engine_version: string;
  engine_version_semver: string;
  plugin_versions: Record<string, string>;
}

export function sakerVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function versions(): Versions {
  return {
    saker_version: sakerVersion(),
    engine_version: String(ENGINE_VERSION.minor),
    engine_version_semver: formatVersion(ENGINE_VERSION),
    plugin_versions: {},
  };
}
