import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareImageId, parseImageRef } from './image-ref.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('image references: registries with ports, tags and digests', () => {
  const cases: Array<[string, string, string, string]> = [
    ['busybox', 'busybox', '', ''],
    ['busybox:1.36', 'busybox', '1.36', ''],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx', 'latest', ''],
    ['localhost:5000/team/app', 'localhost:5000/team/app', '', ''],
    ['localhost:5000/team/app:v2', 'localhost:5000/team/app', 'v2', ''],
    [`registry.example.com:8443/app@${DIGEST}`, 'registry.example.com:8443/app', '', DIGEST],
    [`registry.example.com:8443/app:1.0@${DIGEST}`, 'registry.example.com:8443/app', '1.0', DIGEST],
    [`quay.io/a/b/c:tag-with.dots_1`, 'quay.io/a/b/c', 'tag-with.dots_1', ''],
    [DIGEST, '', '', ''],
    ['', '', '', ''],
  ];
  for (const [ref, repository, tag, digest] of cases) {
    assert.deepEqual(parseImageRef(ref), { repository, tag, digest }, ref);
  }
});

test('image ids lose their algorithm prefix', () => {
  assert.equal(bareImageId(DIGEST), 'ab'.repeat(32));
  assert.equal(bareImageId('abc'), 'abc');
});
