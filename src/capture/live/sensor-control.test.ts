// The sensor's control protocol as a client sees it (sensor/README.md "Control protocol"): every
// stderr reply is one JSON line, whatever bytes the client's command held. Needs root and a
// built sensor; skips with the reason otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const binary = join(root, 'sensor', 'build', 'saker-sensor');

function unavailable(): string {
  if (process.geteuid?.() !== 0) return 'needs root to load BPF programs';
  if (!existsSync(binary)) return 'sensor not built: run npm run setup';
  return '';
}

/** Runs the sensor, writes `commands` (one byte per character) once it is ready, then quit; its
 *  stderr lines and status. */
async function session(commands: string[]): Promise<{ lines: string[]; status: number | null }> {
  const child = spawn(binary, ['--discard', '--syscalls', 'close'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  let sent = false;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    if (!sent && err.includes('"type":"ready"')) {
      sent = true;
      child.stdin.end(Buffer.from(`${commands.join('\n')}\nquit\n`, 'latin1')); // raw bytes, not UTF-8
    }
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { lines: err.split('\n').filter((l) => l !== ''), status };
}

test('control replies stay valid JSON when the command holds quotes, backslashes and control characters', async (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  // a lone 0xe9 or 0xff byte is not UTF-8: the sensor shows it as its Latin-1 code point
  const nasty = 'fo"o\\b\x01\x1b[31m\xe9\xff';
  const { lines, status } = await session([nasty, `syscalls close ${nasty}`, 'ignore x"y', 'snaplen 9999"']);
  assert.equal(status, 0);
  const replies = lines.map((l) => {
    try {
      return JSON.parse(l) as { type: string; message?: string; cmd?: string; value?: number };
    } catch {
      assert.fail(`not a JSON line: ${JSON.stringify(l)}`);
    }
  });
  const errors = replies.filter((r) => r.type === 'error').map((r) => r.message);
  assert.deepEqual(errors, [
    `unknown command '${nasty}'`,
    `unknown syscall or event code '${nasty}'`,
    `bad pid 'x"y'`,
    `snaplen wants 1..4096 bytes, got '9999"'`,
  ]);
  assert.deepEqual(replies.filter((r) => r.type === 'ack').map((r) => r.cmd), ['syscalls', 'ignore', 'snaplen']);
  assert.equal(replies.at(-1)?.type, 'stats');
});
