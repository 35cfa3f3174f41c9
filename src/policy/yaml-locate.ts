// Field paths of a policy document: arrays of keys and indexes, printed as
// `spec.kprobes[0].selectors[1]`, located in the file by config's yamlPathOffset.

export type FieldPath = ReadonlyArray<string | number>;

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}
