// watch_config_files: calls back (once per burst of changes) when a configuration or rules file
// changes, appears or disappears. Each file's directory is watched rather than the file itself:
// editors and ConfigMap updates replace a file by renaming a new one over it, which a watch on
// the old inode would never see. Kubernetes swaps a ConfigMap's `..data` symlink, so any change
// in a watched directory whose name starts with `..` counts too.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export class FileWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** `files` are watched by name; every change inside `dirs` counts. */
  constructor(files: readonly string[], dirs: readonly string[], private readonly onChange: (what: string) => void, private readonly debounceMs = 250) {
    const byDir = new Map<string, Set<string> | 'all'>();
    for (const d of dirs) byDir.set(resolve(d), 'all');
    for (const f of files) {
      const dir = dirname(resolve(f));
      const cur = byDir.get(dir);
      if (cur === 'all') continue;
      const names = cur ?? new Set<string>();
      names.add(basename(f));
      byDir.set(dir, names);
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          const n = name?.toString();
          if (names === 'all' || n === undefined || names.has(n) || n.startsWith('..')) this.changed(n ? `${dir}/${n}` : dir);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // A directory that does not exist (yet) is not watched; the next reload watches it again.
      }
    }
  }

  private changed(what: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(what), this.debounceMs);
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
