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
