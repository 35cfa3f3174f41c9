// Plain runc containers: runc's own state file (<root>/<id>/state.json), read directly. runc
// writes it at `runc create`, before the container's entrypoint runs, and its "bundle=" label
// leads to the OCI spec. Two small file reads, no process: cheap enough for the event path, so
// the entrypoint's exec is already described (ContainerRegistry's quick lookup).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerInfo } from '../state/types.js';
import type { CgroupMatch, QuickContainerLookup } from '../state/containers.js';
import { parseImageRef } from './image-ref.js';
import { criNames, infoFromOciSpec, type OciSpec } from './oci-spec.js';

/** Container ids runc accepts (also keeps a cgroup-derived id from walking out of the state root). */
const RUNC_ID = /^[A-Za-z0-9][A-Za-z0-9_+.-]*$/;

/** Whether runc has state for `id` under one of `roots`. */
export function runcKnows(roots: readonly string[], id: string): boolean {
  if (!RUNC_ID.test(id)) return false;
  for (const root of roots) if (existsSync(join(root, id, 'state.json'))) return true;
  return false;
}

export function infoFromRunc(id: string, spec: OciSpec, m: CgroupMatch): Partial<ContainerInfo> {
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

export function runcStateLookup(roots: readonly string[]): QuickContainerLookup {
  return (m) => {
    if (!RUNC_ID.test(m.fullId)) return undefined;
    for (const root of roots) {
      let state: { id?: string; config?: { labels?: string[] } };
      try {
        state = JSON.parse(readFileSync(join(root, m.fullId, 'state.json'), 'utf8')) as typeof state;
      } catch {
        continue; // not (yet) a runc container under this root
      }
      const bundle = state.config?.labels?.find((l) => l.startsWith('bundle='))?.slice('bundle='.length);
      if (bundle === undefined) continue;
      let spec: OciSpec = {};
      try {
        spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as OciSpec;
      } catch {
        // A bundle without a readable spec still names the container.
      }
      return infoFromRunc(state.id ?? m.fullId, spec, m);
    }
    return undefined;
  };
}
