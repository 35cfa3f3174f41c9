// The validators ajv generated at build time (schema.generated.js here and in src/policy) must be
// what scripts/gen-validators.ts makes from the current schemas: a schema edited without
// regenerating would otherwise check against the old one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderValidators } from '../../scripts/gen-validators.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

test('the generated validators match the current schemas (else: node --import tsx scripts/gen-validators.ts)', () => {
  const files = renderValidators();
  assert.ok(files.size >= 4, 'the configuration and policy validators, each with its declaration');
  for (const [file, text] of files) assert.ok(readFileSync(join(root, file), 'utf8') === text, `${file} is stale`);
});
