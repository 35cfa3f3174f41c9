// YAML text → a small tree of nulls, scalars, sequences and maps with 0-based positions, read the
// way yaml-cpp (Falco's YAML library) reads rules files: every document of a multi-document
// stream, scalars kept as their source text ("80" stays "80", "yes" stays "yes"), unknown tags
// such as the `!=` of `desc: != after evt.type` tolerated, duplicate keys allowed (first wins).

import { type Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Document, type Node } from 'yaml';
import type { Position, ValueSourceMap } from './context.js';

export type YamlValue = YamlNull | YamlScalar | YamlSeq | YamlMap;

interface YamlNull {
  kind: 'null';
  pos: Position;
}

export interface YamlScalar {
  kind: 'scalar';
  pos: Position;
  /** The scalar as yaml-cpp's Scalar() returns it: decoded quotes/folding, no type conversion. */
  text: string;
  /** Maps offsets of `text` to offsets in the file (built from `span` and the file's text). */
  sourceMap: ValueSourceMap;
  /** Where the scalar is written: its source range and style (plain, quoted, block). */
  span: ScalarSpan;
}

interface ScalarSpan {
  start: number;
  end: number;
  type: Scalar['type'];
}

interface YamlSeq {
  kind: 'seq';
  pos: Position;
  items: YamlValue[];
}

interface YamlMapEntry {
  key: string;
  keyPos: Position;
  value: YamlValue;
}

export interface YamlMap {
  kind: 'map';
  pos: Position;
  entries: YamlMapEntry[];
}

interface YamlSyntaxError {
  /** yaml-cpp's wording: "yaml-cpp: error at line L, column C: <what>" (1-based). */
  message: string;
  pos: Position;
}

export interface ParsedYaml {
  /** One entry per document; undefined for an empty document. */
  documents: Array<YamlValue | undefined>;
  /** The first syntax error; when set, `documents` must not be used. */
  error?: YamlSyntaxError;
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    schema: 'core',
    strict: false,
  });
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { offset, line: line - 1, column: col - 1 };
  };

  let first: { offset: number; code: string; message: string } | undefined;
  for (const doc of docs) {
    for (const err of doc.errors) {
      if (!first || err.pos[0] < first.offset) first = { offset: err.pos[0], code: err.code, message: err.message };
    }
  }
  if (first) return { documents: [], error: yamlCppError(text, first, at) };

  const converter = new Converter(text, at);
  try {
    return { documents: docs.map((doc) => (doc.contents ? converter.convert(doc.contents, doc, 0) : undefined)) };
  } catch (err) {
    if (err instanceof AliasError) return { documents: [], error: { message: yamlCppMessage(at(err.offset), 'unknown anchor'), pos: at(err.offset) } };
    throw err;
  }
}

class AliasError extends Error {
  constructor(readonly offset: number) {
    super('unknown anchor');
  }
}

/** Aliases may nest; yaml-cpp shares nodes, so a cycle would never end: cap the depth. */
const MAX_DEPTH = 512;

class Converter {
  constructor(
    private readonly text: string,
    private readonly at: (offset: number) => Position,
  ) {}

  convert(node: Node | Alias, doc: Document.Parsed, depth: number): YamlValue {
    if (depth > MAX_DEPTH) throw new AliasError(node.range?.[0] ?? 0);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new AliasError(node.range?.[0] ?? 0);
      return this.convert(target, doc, depth + 1);
    }
    const pos = this.at(node.range?.[0] ?? 0);
    if (isScalar(node)) {
      if (node.value === null) return { kind: 'null', pos };
      const text = scalarText(node);
      const span: ScalarSpan = { start: node.range?.[0] ?? 0, end: node.range?.[1] ?? 0, type: node.type };
      return { kind: 'scalar', pos, text, span, sourceMap: scalarSourceMap(this.text, text, span, this.at) };
    }
    if (isSeq(node)) {
      return { kind: 'seq', pos, items: node.items.map((item) => this.item(item as Node | null, doc, depth, pos)) };
    }
    if (isMap(node)) {
      const entries: YamlMapEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const keyPos = keyNode?.range ? this.at(keyNode.range[0]) : pos;
        const key = keyNode && isScalar(keyNode) ? (keyNode.value === null ? '' : scalarText(keyNode)) : String(keyNode ?? '');
        entries.push({ key, keyPos, value: this.item(pair.value as Node | null, doc, depth, keyPos) });
      }
      return { kind: 'map', pos, entries };
    }
    return { kind: 'null', pos };
  }

  private item(node: Node | null, doc: Document.Parsed, depth: number, fallback: Position): YamlValue {
    return node ? this.convert(node, doc, depth + 1) : { kind: 'null', pos: fallback };
  }
}

/** yaml-cpp keeps every scalar as text; numbers and booleans come back as written. */
function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  if (typeof node.source === 'string') return node.source;
  return String(node.value);
}

/**
 * Line-by-line map from a scalar's value back to the file: each value line starts at the first
 * non-blank character of a source line (after the block header for `|`/`>`), and lines are
 * joined by one character (space or newline). Escape sequences are not accounted for. Built on
 * first use: only diagnostics ask for positions inside a value.
 */
function scalarSourceMap(text: string, value: string, span: ScalarSpan, at: (offset: number) => Position): ValueSourceMap {
  const start = span.start;
  let segments: Segment[] | undefined;
  return {
    value,
    sourcePosition(index: number): Position {
      segments ??= scalarSegments(text, span);
      let seg = segments[0];
      for (const s of segments) {
        if (s.valueStart > index) break;
        seg = s;
      }
      if (!seg) return at(start);
      return at(seg.sourceStart + Math.min(Math.max(index - seg.valueStart, 0), seg.length));
    },
  };
}

interface Segment {
  valueStart: number;
  sourceStart: number;
  length: number;
}

function scalarSegments(text: string, span: ScalarSpan): Segment[] {
  const { start, end, type } = span;
  const raw = text.slice(start, end);
  const segments: Segment[] = [];
  let lineStart = start;
  let lines = raw.split('\n');
  const block = type === Scalar.BLOCK_LITERAL || type === Scalar.BLOCK_FOLDED;
  let blockIndent = -1;
  if (block) {
    lineStart += lines[0]!.length + 1;
    lines = lines.slice(1);
  } else if (type === Scalar.QUOTE_DOUBLE || type === Scalar.QUOTE_SINGLE) {
    lineStart += 1;
    lines[0] = lines[0]!.slice(1);
  }
  let valueStart = 0;
  for (const line of lines) {
    let skip = line.length - line.trimStart().length;
    if (block) {
      // Block scalars strip the indentation of their first non-empty line.
      if (blockIndent < 0 && line.trim() !== '') blockIndent = skip;
      skip = Math.min(skip, Math.max(blockIndent, 0));
    } else if (segments.length === 0) {
      skip = 0; // the first line starts where the scalar starts
    }
    const length = line.length - skip;
    segments.push({ valueStart, sourceStart: lineStart + skip, length });
    valueStart += length + 1;
    lineStart += line.length + 1;
  }
  return segments;
}

function yamlCppMessage(pos: Position, what: string): string {
  return `yaml-cpp: error at line ${pos.line + 1}, column ${pos.column + 1}: ${what}`;
}

/**
 * Reports a syntax error as yaml-cpp would where the two libraries agree on the cause;
 * otherwise keeps yaml-cpp's layout with this parser's explanation.
 */
function yamlCppError(
  text: string,
  err: { offset: number; code: string; message: string },
  at: (offset: number) => Position,
): YamlSyntaxError {
  if (err.code === 'BLOCK_AS_IMPLICIT_KEY') {
    // `a : b : c`: yaml-cpp stops at the second map-value indicator of the line.
    const lineEnd = text.indexOf('\n', err.offset);
    const rest = text.slice(err.offset, lineEnd < 0 ? text.length : lineEnd);
    const colon = rest.search(/:(\s|$)/);
    const pos = at(colon >= 0 ? err.offset + colon : err.offset);
    return { message: yamlCppMessage(pos, 'illegal map value'), pos };
  }
  const pos = at(err.offset);
  const what = YAML_CPP_WORDING[err.code] ?? err.message.charAt(0).toLowerCase() + err.message.slice(1);
  return { message: yamlCppMessage(pos, what), pos };
}

/** yaml-cpp's texts (yaml-cpp/exceptions.h) for the causes both parsers name the same way. */
const YAML_CPP_WORDING: Record<string, string> = {
  TAB_AS_INDENT: 'illegal tab when looking for indentation',
  BAD_ALIAS: 'unknown anchor',
  DUPLICATE_ANCHOR: 'anchor already defined',
};

/**
 * The documents of a parse without error as JSON (what parseYaml made, less the source maps,
 * which revive() rebuilds from the file's text): the parsed-rules cache stores this.
 */
export function documentsToJson(documents: ParsedYaml['documents']): string {
  return JSON.stringify(documents, (key, value: unknown) => (key === 'sourceMap' ? undefined : value));
}

/** The documents documentsToJson() wrote for `text`, with their source maps; throws on bad JSON. */
export function documentsFromJson(json: string, text: string): ParsedYaml['documents'] {
  const documents = JSON.parse(json) as ParsedYaml['documents'];
  if (!Array.isArray(documents)) throw new Error('not a list of documents');
  let lineStarts: number[] | undefined;
  // the position of an offset as the parser's LineCounter gives it, from the line starts
  const at = (offset: number): Position => {
    lineStarts ??= linesOf(text);
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo, column: offset - lineStarts[lo]! };
  };
  const revive = (v: YamlValue | undefined): void => {
    if (!v) return;
    if (v.kind === 'scalar') v.sourceMap = scalarSourceMap(text, v.text, v.span, at);
    else if (v.kind === 'seq') for (const item of v.items) revive(item);
    else if (v.kind === 'map') for (const e of v.entries) revive(e.value);
  };
  for (const d of documents) revive(d);
  return documents;
}

function linesOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
