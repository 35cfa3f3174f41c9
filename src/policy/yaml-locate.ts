// Locating a field path of a parsed YAML document in its file: the line and column of the node
// at that path (or of the nearest ancestor present, e.g. for a missing required field), and for
// an unknown field, of its key. Paths are arrays of keys and indexes, printed as
// `spec.kprobes[0].selectors[1]`.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type FieldPath = ReadonlyArray<string | number>;

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** Line and column (1-based) of `path` in `doc`; with `key`, the key node of the last step. */
export function locate(doc: Document, lc: LineCounter, path: FieldPath, key = false): { line: number; column: number } {
  let node: unknown = doc.contents;
  let offset = (doc.contents)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && (isScalar(it.key) ? it.key.value : it.key) === step);
      if (pair) { next = pair.value; keyNode = pair.key; }
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step];
    }
    if (next === undefined && keyNode === undefined) break;
    const target = key && i === path.length - 1 && keyNode ? keyNode : next ?? keyNode;
    const range = (target as Node | null)?.range;
    if (range) offset = range[0];
    node = next;
  }
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}
