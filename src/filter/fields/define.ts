// Small constructors for field definitions, so each field class reads as a table.
import type { EventContext, ThreadInfo } from '../../state/model/index.js';
import { FieldArgError, type BoundField, type Extractor, type FieldDef, type FieldType, type Value } from './types.js';

export type Extra = Partial<Pick<FieldDef, 'filterOnly' | 'noRhs' | 'noTransformer' | 'deprecated' | 'list' | 'resolvesNames' | 'padDigits' | 'hex'>>;

/** A field without argument. */
export function simple(name: string, type: FieldType, desc: string, extract: Extractor, extra: Extra = {}): FieldDef {
  const bound: BoundField = { extract };
  return {
    name, type, desc, arg: 'none', ...extra,
    bind(arg) {
      if (arg !== undefined) throw new FieldArgError(`field '${name}' does not accept an argument`);
      return bound;
    },
  };
}

/** A field computed from the event's thread; no value when the thread is unknown. */
export function ofThread(name: string, type: FieldType, desc: string, get: (t: ThreadInfo, ctx: EventContext) => Value | undefined, extra: Extra = {}): FieldDef {
  return simple(name, type, desc, (ctx) => (ctx.thread ? get(ctx.thread, ctx) : undefined), extra);
}

/** A field with an argument, bound by `bind`. */
export function withArg(name: string, type: FieldType, desc: string, arg: 'optional' | 'required', bind: (arg: string | undefined) => BoundField, extra: Extra & { dottedArg?: boolean } = {}): FieldDef {
  return {
    name, type, desc, arg, ...extra,
    bind(a) {
      if (arg === 'required' && a === undefined) throw new FieldArgError(`field '${name}' requires an argument`);
      return bind(a);
    },
  };
}

/** Parses a non-negative integer argument such as proc.aname[2]. */
export function indexArg(name: string, arg: string): number {
  if (!/^\d+$/.test(arg)) throw new FieldArgError(`wrong argument for field '${name}': '${arg}' is not a number`);
  return Number(arg);
}
