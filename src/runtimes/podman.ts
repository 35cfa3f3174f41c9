// Podman containers on the event path, from what podman and its OCI runtime left on disk. Podman's
// API answers about a container only once it has started (podman holds the container's lock until
// then) and its event log comes late, so the entrypoint's exec would pass with the id alone. But
// podman runs the container through runc, whose state.json (written at `runc create`, before the
// entrypoint) names the bundle, <graph root>/overlay-containers/<id>/userdata: its config.json has
// podman's privileged annotation and the namespaces, and containers/storage's containers.json two
// levels up has the name and the image podman recorded at create. A few small file reads, no
// process, no socket. The description is provisional: labels, the image digest and the IP come
// only from podman's API, which still answers later and completes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupMatch, QuickContainerLookup, QuickDescription } from '../state/index.js';
import { bareImageId, parseImageRef } from './image-ref.js';
import { infoFromOciSpec, type OciSpec } from './oci-spec.js';
import { readBundleSpec, runcBundle } from './runc.js';

/** An entry of containers/storage's containers.json; libpod's metadata is a JSON string. */
interface StorageContainer {
  id?: string;
  names?: string[];
  metadata?: string;
}

interface LibpodMetadata {
  'image-name'?: string;
  'image-id'?: string;
  name?: string;
}

/** libpod's metadata for container `id` in the storage's containers.json beside its bundle. */
function storageMetadata(bundle: string, id: string): LibpodMetadata | undefined {
  let containers: StorageContainer[];
  try {
    containers = JSON.parse(readFileSync(join(bundle, '..', '..', 'containers.json'), 'utf8')) as StorageContainer[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(containers)) return undefined;
  const c = containers.find((x) => x.id === id);
  if (c === undefined) return undefined;
  let meta: LibpodMetadata = {};
  try {
    meta = JSON.parse(c.metadata ?? '{}') as LibpodMetadata;
  } catch {
    // metadata another tool wrote: the storage's own name still counts
  }
  return { ...meta, name: meta.name ?? c.names?.[0] };
}

/** Podman's own annotation, else the OCI spec's privileged signature. */
function privilegedOf(spec: OciSpec): boolean | undefined {
  const a = spec.annotations?.['io.podman.annotations.privileged'];
  if (a !== undefined) return a.toUpperCase() === 'TRUE';
  return infoFromOciSpec(spec).privileged;
}

/** The provisional description of a podman container, from runc's state under `runcRoots`. */
export function podmanDiskLookup(runcRoots: readonly string[]): QuickContainerLookup {
  return (m: CgroupMatch): QuickDescription | undefined => {
    const found = runcBundle(runcRoots, m.fullId);
    if (found === undefined) return undefined;
    const meta = storageMetadata(found.bundle, m.fullId);
    if (meta === undefined) return undefined;
    const spec = readBundleSpec(found.bundle);
    const { hostPid, hostNetwork, hostIpc } = infoFromOciSpec(spec);
    const image = meta['image-name'] ?? '';
    const ref = parseImageRef(image);
    return {
      provisional: true,
      fullId: m.fullId,
      name: meta.name ?? '',
      type: 'podman',
      source: 'podman',
      image,
      imageRepository: ref.repository,
      imageTag: ref.tag,
      imageDigest: ref.digest,
      imageId: bareImageId(meta['image-id'] ?? ''),
      privileged: privilegedOf(spec),
      hostPid,
      hostNetwork,
      hostIpc,
    };
  };
}
