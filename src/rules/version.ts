// Engine versions for `required_engine_version` (libsinsp sinsp_version semantics).

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** The Falco rules engine version Saker implements (falco_engine_version.h). */
export const ENGINE_VERSION: Version = { major: 0, minor: 63, patch: 0 };

/**
 * Parses "x.y.z" like sscanf("%u.%u.%u"): blanks before each number are skipped, anything
 * after the third number is ignored, negative numbers wrap as unsigned.
 */
export function parseVersion(text: string): Version | undefined {
  const m = /^\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)/.exec(text);
  if (!m) return undefined;
  const u32 = (s: string): number => Number(BigInt.asUintN(32, BigInt(s)));
  return { major: u32(m[1]!), minor: u32(m[2]!), patch: u32(m[3]!) };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The engine satisfies a requirement when the majors match and it is not older. */
export function isCompatible(engine: Version, required: Version): boolean {
  return engine.major === required.major && compareVersions(engine, required) >= 0;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
