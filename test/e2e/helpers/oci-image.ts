// A local OCI image archive for end-to-end tests: one layer, the cached busybox-static root
// filesystem (runc.ts), with a given reference and command. containerd imports it with
// `ctr images import` (no registry pulls); docker and podman import the root filesystem tar.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from './runc.js';

/** A tar of the busybox root filesystem (for `docker import` / `podman import`). */
export function rootfsTar(dir: string): string {
  const out = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', busyboxRootfs(), '-cf', out, '.']);
  return out;
}

/** Writes an OCI image archive named `ref` running `cmd`; returns its path (in `dir`). */
export function ociImageArchive(dir: string, ref: string, cmd: string[]): string {
  const work = mkdtempSync(join(tmpdir(), 'saker-oci-'));
  try {
    const img = join(work, 'img');
    mkdirSync(join(img, 'blobs/sha256'), { recursive: true });
    const blob = (data: Buffer): { digest: string; size: number } => {
      const hex = createHash('sha256').update(data).digest('hex');
      writeFileSync(join(img, 'blobs/sha256', hex), data);
      return { digest: `sha256:${hex}`, size: data.length };
    };
    const layer = blob(readFileSync(rootfsTar(work)));
    const config = blob(Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', config: { Cmd: cmd }, rootfs: { type: 'layers', diff_ids: [layer.digest] },
    })));
    const manifest = blob(Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    })));
    writeFileSync(join(img, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(img, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref, 'io.containerd.image.name': ref } }],
    }));
    const archive = join(dir, `${createHash('sha256').update(ref).digest('hex').slice(0, 8)}.tar`);
    execFileSync('tar', ['-C', img, '-cf', archive, '.']);
    return archive;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
