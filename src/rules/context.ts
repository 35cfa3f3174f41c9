// Where a load error or warning happened: a chain of locations from the rules file down to the
// innermost item (rule → exception → value …), like Falco's rule_loader::context.
// Positions are 0-based (yaml-cpp marks), as Falco prints them in its JSON results.

import type { Pos } from '../filter/index.js';

export type ItemType =
  | 'value for'
  | 'exceptions'
  | 'exception'
  | 'exception values'
  | 'exception value'
  | 'rules content'
  | 'rules content item'
  | 'required_engine_version'
  | 'required plugin versions'
  | 'required plugin versions entry'
  | 'required plugin versions alternative'
  | 'list'
  | 'list item'
  | 'macro'
  | 'macro condition'
  | 'rule'
  | 'rule condition'
  | 'condition expression'
  | 'rule output'
  | 'rule output expression'
  | 'rule priority'
  | 'overrides'
  | 'extension item';

/** A 0-based position: character offset, line and column. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

export interface Location {
  /** The file name, or for condition locations a quoted prefix of the condition. */
  name: string;
  position: Position;
  itemType: ItemType;
  itemName: string;
}

/**
 * Maps offsets inside a scalar's decoded value back to offsets in the file, so a parse error
 * inside a condition can be reported at its real line and column.
 */
export interface ValueSourceMap {
  /** The decoded scalar value the offsets refer to. */
  value: string;
  /** The file position of the value character at `index`. */
  sourcePosition(index: number): Position;
}

const ORIGIN: Position = { offset: 0, line: 0, column: 0 };

/** A LoadContext as data (JSON drops an absent altContent or filePosition). */
export interface ContextRecord {
  locations: readonly Location[];
  altContent?: string;
  filePosition?: Position;
}

export class LoadContext {
  private constructor(
    readonly locations: readonly Location[],
    /** The text snippets are taken from instead of the file (condition contexts). */
    readonly altContent?: string,
    /** For condition contexts: the precise position in the file, when it can be known. */
    readonly filePosition?: Position,
  ) {}

  /** The outermost context: the whole rules file. */
  static root(fileName: string): LoadContext {
    return new LoadContext([{ name: fileName, position: ORIGIN, itemType: 'rules content', itemName: '' }]);
  }

  /** A nested location in the same file. */
  child(position: Position, itemType: ItemType, itemName: string): LoadContext {
    return new LoadContext([...this.locations, { name: this.fileName, position, itemType, itemName }]);
  }

  /**
   * A location inside a condition string (after list substitution and exception building).
   * Like Falco, the pseudo file name is a quoted prefix of the condition and the position is
   * the parser position added to the parent's; `filePosition` is the true file position when
   * the caller could map it.
   */
  static inCondition(pos: Pos, condition: string, parent: LoadContext, filePosition?: Position): LoadContext {
    let name = condition.length > 20 ? `"${condition.slice(0, 17)}..."` : `"${condition}"`;
    name = name.replace(/[\n\r]/g, ' ');
    const last = parent.locations[parent.locations.length - 1]!.position;
    const position = { offset: pos.idx + last.offset, line: pos.line + last.line, column: pos.col + last.column };
    return new LoadContext(
      [...parent.locations, { name, position, itemType: 'condition expression', itemName: '' }],
      condition,
      filePosition,
    );
  }

  /** The context as plain data, for the rules cache's compile record; `fromRecord` reverses it. */
  toRecord(): ContextRecord {
    return { locations: this.locations, altContent: this.altContent, filePosition: this.filePosition };
  }

  static fromRecord(r: ContextRecord): LoadContext {
    return new LoadContext(r.locations, r.altContent, r.filePosition);
  }

  get fileName(): string {
    return this.locations[0]!.name;
  }

  /** The innermost position that lies in the file (0-based). */
  get position(): Position {
    if (this.filePosition) return this.filePosition;
    for (let i = this.locations.length - 1; i >= 0; i--) {
      const loc = this.locations[i]!;
      if (loc.itemType !== 'condition expression') return loc.position;
    }
    return ORIGIN;
  }

  /**
   * The item a diagnostic is about: the innermost location that is an item (rule 'x',
   * exception 'ex1', list …) rather than a part of one (its condition, a value, an override).
   */
  get item(): { itemType: ItemType; itemName: string } {
    for (let i = this.locations.length - 1; i >= 0; i--) {
      const loc = this.locations[i]!;
      if (ITEM_TYPES.has(loc.itemType)) return { itemType: loc.itemType, itemName: loc.itemName };
    }
    return { itemType: 'rules content', itemName: '' };
  }

  /** Falco's text form: one "In <type> '<name>': (<file>:<line>:<col>)" line per location. */
  toText(): string {
    let out = '';
    this.locations.forEach((loc, i) => {
      out += i === 0 ? 'In ' : '    ';
      out += loc.itemType;
      if (loc.itemName !== '') out += ` '${loc.itemName}'`;
      out += `: (${loc.name}:${loc.position.line}:${loc.position.column})\n`;
    });
    return out;
  }

  toJson(): { locations: FalcoJsonLocation[] } {
    return {
      locations: this.locations.map((loc) => ({
        item_type: loc.itemType,
        item_name: loc.itemName,
        position: { name: loc.name, line: loc.position.line, column: loc.position.column, offset: loc.position.offset },
      })),
    };
  }

  /**
   * The source line around the innermost location with a '^' under the position, capped at
   * `width` characters, exactly as Falco's context::snippet.
   */
  snippet(contents: ReadonlyMap<string, string>, width = 160): string {
    const loc = this.locations[this.locations.length - 1]!;
    const fileContent = contents.get(loc.name);
    if (!this.altContent && fileContent === undefined) return `<No context for file + ${loc.name}>\n`;
    const text = this.altContent ? this.altContent : fileContent!;
    if (text.length === 0) return '<No context available>\n';

    const half = Math.floor(width / 2);
    let pos = loc.position.offset;
    // The position can be past the end (a dangling "key:" at the end of the file).
    while (pos > 0 && (pos >= text.length || text[pos] === '\n')) pos--;
    let from = pos;
    while (from > 0 && text[from] !== '\n' && pos - from < half) from--;
    let to = pos;
    while (to < text.length - 1 && text[to] !== '\n' && to - pos < half) to++;
    if (from < text.length && text[from] === '\n') from++;
    if (to < text.length && text[to] === '\n') to--;

    let ret = text.slice(from, to + 1);
    if (ret.length === 0) return '<No context available>\n';
    if (pos - from >= half) ret = '...' + ret.slice(3);
    if (to - pos >= half) ret = ret.slice(0, ret.length - 3) + '...';
    ret += '\n';
    if (pos - from <= ret.length - 1) ret += ' '.repeat(Math.max(0, pos - from)) + '^\n';
    return ret;
  }
}

export interface FalcoJsonLocation {
  item_type: ItemType;
  item_name: string;
  position: { name: string; line: number; column: number; offset: number };
}

/** Location kinds that are items of a rules file, as opposed to parts of an item. */
const ITEM_TYPES: ReadonlySet<ItemType> = new Set<ItemType>([
  'rules content',
  'rules content item',
  'required_engine_version',
  'required plugin versions',
  'required plugin versions entry',
  'required plugin versions alternative',
  'list',
  'macro',
  'rule',
  'exception',
  'extension item',
]);
