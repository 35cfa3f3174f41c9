import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from './condition-parser.js';
import { exactPathsOf } from './condition-paths.js';

test('files a condition names exactly are collected from fd.name =, == and in checks', () => {
  const expr = parseCondition('(fd.name in (/etc/shadow, /etc/gshadow, relative) or fd.name == /root/.ssh/id_rsa) and not fd.name = /etc/shadow- and proc.name = /bin/x');
  assert.deepEqual([...exactPathsOf(expr)].sort(), ['/etc/gshadow', '/etc/shadow', '/etc/shadow-', '/root/.ssh/id_rsa']);
});

test('prefix, glob and field comparisons name no single file', () => {
  const expr = parseCondition('fd.name startswith /etc/ or fd.name glob /etc/* or fd.name = val(fd.nameraw) or fd.directory = /etc or fd.name startswith oneof (/a)');
  assert.deepEqual([...exactPathsOf(expr)], []);
});
