// Image references as runtimes report them, split into the container.image.* fields:
// "[registry[:port]/]path[:tag][@digest]". A colon belongs to the tag only after the last slash
// (so "registry:5000/app" has no tag), a digest follows "@", and a bare "sha256:<hex>" is an
// image id, not a name.
export interface ImageRef {
  /** container.image.repository: everything before the tag and digest, registry included. */
  repository: string;
  /** container.image.tag: '' when the reference has none. */
  tag: string;
  /** container.image.digest: "sha256:..." when the reference pins one, else ''. */
  digest: string;
}

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

export function parseImageRef(image: string): ImageRef {
  if (IMAGE_ID.test(image)) return { repository: '', tag: '', digest: '' };
  let ref = image;
  let digest = '';
  const at = ref.indexOf('@');
  if (at !== -1) {
    digest = ref.slice(at + 1);
    ref = ref.slice(0, at);
  }
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon === -1 || colon < slash) return { repository: ref, tag: '', digest };
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
}

/** An image id without its algorithm prefix, as container.image.id shows it. */
export function bareImageId(id: string): string {
  return id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
}
