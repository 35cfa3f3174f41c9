// The rules cache, kept on disk across runs:
// - each rules file's YAML tree (yaml-source.ts), keyed by the SHA-256 of the file's content.
//   Parsing YAML was the largest part of loading rules (0.8 s of the upstream files' 1.9 s CPU
//   profile); reading the same tree back from JSON takes a few ms. A file with a syntax error is
//   parsed anew every time, so its error is reported exactly as before.
// - what a load of files compiled to (compile-record.ts), keyed by the loader's options and the
//   files' names and contents in order: written after a load without an error, it lets the next
//   load of the very same files give the same results and compile each rule when first used.
// The directory is the caller's choice (the CLI's: beside the bundle, which every build empties,
// so entries never outlive the code that wrote them); it is read and written only when the
// running user owns it and no one else may write to it, as bin/saker.js does for its code cache,
// since a planted entry would change which rules run.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentsFromJson, documentsToJson, parseYaml, type ParsedYaml } from './yaml-source.js';

/** Bumped when the cached tree's shape changes. */
const FORMAT = 1;
/** Entries kept; the oldest go first (an edited file leaves its old entry behind). */
const MAX_ENTRIES = 64;

export class RulesCache {
  private readonly dir: string | undefined;

  /** Caches under `dir` (created 0700 when missing) if it is safe to, else parses every time. */
  constructor(dir: string) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      // unusable: no cache
    }
    this.dir = ownedOnly(dir, statSync, (st) => st.isDirectory()) ? dir : undefined;
  }

  /** parseYaml(content), from the cache when an entry for this content is there. */
  parse(content: string): ParsedYaml {
    if (!this.dir) return parseYaml(content);
    const file = join(this.dir, `${createHash('sha256').update(`${FORMAT}\0${content}`).digest('hex')}.json`);
    if (ownedOnly(file, lstatSync, (st) => st.isFile())) {
      try {
        return { documents: documentsFromJson(readFileSync(file, 'utf8'), content) };
      } catch {
        // cut short or not ours: parse and write it again
      }
    }
    const parsed = parseYaml(content);
    if (!parsed.error) this.store(file, documentsToJson(parsed.documents));
    return parsed;
  }

  /** The compile record kept under `key` (a hex digest), parsed; undefined when there is none. */
  record(key: string): unknown {
    if (!this.dir) return undefined;
    const file = join(this.dir, `${key}.record.json`);
    if (!ownedOnly(file, lstatSync, (st) => st.isFile())) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      return undefined; // cut short: the load compiles and writes it again
    }
  }

  /** Keeps `record` under `key`, best effort. */
  keepRecord(key: string, record: unknown): void {
    if (this.dir) this.store(join(this.dir, `${key}.record.json`), JSON.stringify(record));
  }

  /** Best effort: a full disk or a read-only directory only costs the next run a parse or a compile. */
  private store(file: string, json: string): void {
    try {
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, json, { flag: 'wx', mode: 0o600 });
      renameSync(tmp, file);
      this.prune();
    } catch {
      // no entry
    }
  }

  private prune(): void {
    const entries = readdirSync(this.dir!).filter((f) => f.endsWith('.json'));
    if (entries.length <= MAX_ENTRIES) return;
    const byAge = entries.map((f) => ({ f, t: statSync(join(this.dir!, f)).mtimeMs })).sort((a, b) => a.t - b.t);
    for (const { f } of byAge.slice(0, entries.length - MAX_ENTRIES)) rmSync(join(this.dir!, f), { force: true });
  }
}

/** True when `path` is of the kind wanted, the running user's, and only it may write to it. */
function ownedOnly(path: string, stat: typeof statSync, isKind: (st: ReturnType<typeof statSync> & object) => boolean): boolean {
  try {
    const st = stat(path);
    return st !== undefined && isKind(st) && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
