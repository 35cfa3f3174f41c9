import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podOwners } from './k8s-owner.js';

test('a Deployment pod names its ReplicaSet and Deployment', () => {
  assert.deepEqual(podOwners('web-frontend-7d4b9c8f6d-x2x7q', { 'pod-template-hash': '7d4b9c8f6d', app: 'web' }),
    { replicaSet: 'web-frontend-7d4b9c8f6d', deployment: 'web-frontend' });
});

test('pods without a pod-template-hash owner have neither', () => {
  assert.deepEqual(podOwners('db-0', { 'controller-revision-hash': 'db-5c9f' }), { replicaSet: '', deployment: '' });
  assert.deepEqual(podOwners('standalone', {}), { replicaSet: '', deployment: '' });
  assert.deepEqual(podOwners('standalone', undefined), { replicaSet: '', deployment: '' });
  // A label that does not match the name (renamed pod, hand-set label) is not trusted.
  assert.deepEqual(podOwners('other-name-abcde', { 'pod-template-hash': '7d4b9c8f6d' }), { replicaSet: '', deployment: '' });
  assert.deepEqual(podOwners('-7d4b9c8f6d-x', { 'pod-template-hash': '7d4b9c8f6d' }), { replicaSet: '', deployment: '' });
  assert.deepEqual(podOwners('web-7d4b9c8f6d-', { 'pod-template-hash': '7d4b9c8f6d' }), { replicaSet: '', deployment: '' });
});
