// Plain runc containers: runc's own state file (<root>/<id>/state.json), read directly. runc
// writes it at `runc create`, before the container's entrypoint runs, and its "bundle=" label
// leads to the OCI spec. Two small file reads, no process: cheap enough for the event path, so
// the entrypoint's exec is already described (ContainerRegistry's quick lookup).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerInfo } from '../state/index.js';
import { RUNC_ID, type CgroupMatch, type QuickContainerLookup } from '../state/index.js';
import { parseImageRef } from './image-ref.js';
import { criNames, infoFromOciSpec, type OciSpec } from './oci-spec.js';

function infoFromRunc(id: string, spec: OciSpec, m: CgroupMatch): Partial<ContainerInfo> {
  const annotations = spec.annotations ?? {};
  const image = annotations['org.opencontainers.image.ref.name'] ?? '';
  const ref = parseImageRef(image);
  return {
    fullId: id,
    name: m.id,
    type: 'runc',
    source: 'runc',
    image,
    imageRepository: ref.repository,
    imageTag: ref.tag,
    imageDigest: ref.digest,
    labels: annotations,
    ...infoFromOciSpec(spec),
    ...criNames(annotations),
  };
}

/**
 * The bundle directory runc's state names for container `fullId` under one of `roots`, with the
 * id runc gives it; undefined while runc has not written its state.json (or for an id runc
 * would refuse, which keeps a cgroup-derived id from walking out of a root).
 */
export function runcBundle(roots: readonly string[], fullId: string): { id: string; bundle: string } | undefined {
  if (!RUNC_ID.test(fullId)) return undefined;
  for (const root of roots) {
    let state: { id?: string; config?: { labels?: string[] } };
    try {
      state = JSON.parse(readFileSync(join(root, fullId, 'state.json'), 'utf8')) as typeof state;
    } catch {
      continue; // not (yet) a runc container under this root
    }
    const bundle = state.config?.labels?.find((l) => l.startsWith('bundle='))?.slice('bundle='.length);
    if (bundle !== undefined) return { id: state.id ?? fullId, bundle };
  }
  return undefined;
}

/** A bundle's OCI spec; {} when it cannot be read (the bundle still names the container). */
export function readBundleSpec(bundle: string): OciSpec {
  try {
    return JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as OciSpec;
  } catch {
    return {};
  }
}

export function runcStateLookup(roots: readonly string[]): QuickContainerLookup {
  return (m) => {
    const found = runcBundle(roots, m.fullId);
    return found === undefined ? undefined : infoFromRunc(found.id, readBundleSpec(found.bundle), m);
  };
}
