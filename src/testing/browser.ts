// Headless Debian chromium driven by playwright-core for the web UI's tests, and the folder
// their screenshots are kept in (test-artifacts/, git-ignored). Without chromium or a built UI a
// test skips, saying which.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
export const builtUiDir = join(repoRoot, 'dist', 'ui');

/** Why the browser tests cannot run here, or undefined. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `needs Debian's chromium at ${CHROMIUM} (apt-get install chromium; scripts/setup.sh installs it)`;
  if (!existsSync(join(builtUiDir, 'app.js'))) return `the web UI is not built (${builtUiDir}): run npm run build`;
  return undefined;
}

/** Chromium with the flags this closed network needs (no background fetches, no sandbox as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** test-artifacts/<name>/, made if needed. */
export function artifactDir(name: string): string {
  const d = join(repoRoot, 'test-artifacts', name);
  mkdirSync(d, { recursive: true });
  return d;
}
