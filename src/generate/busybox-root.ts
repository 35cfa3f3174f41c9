// A container root filesystem from Debian's busybox-static: the directories a small distribution
// has, busybox itself, and one link per applet where busybox would install it (bin/sh,
// usr/bin/nc, sbin/ip ...), so that a process started through a link is named after the link.
// saker generate's throwaway containers use it, and so do the end-to-end tests' runc containers.
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';

/** Fills the empty directory `dir` with the busybox tree; /etc's files are the caller's. */
export function populateBusyboxRoot(dir: string): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run', 'var/log', 'var/spool/cron/crontabs']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const rel of execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n')) {
    if (rel !== '' && rel !== 'bin/busybox' && !existsSync(join(dir, rel))) symlinkSync('/bin/busybox', join(dir, rel));
  }
}
