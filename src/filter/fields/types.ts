// What a field is: a name rules can use, a type that decides which operators apply and how
// values compare and print, and a way to extract the value from an event in its context.
import type { EventContext } from '../../state/model/index.js';

/** Value types, mirroring the libsinsp parameter types fields are declared with. */
export type FieldType =
  | 'string' // CHARBUF / FSPATH
  | 'int' // INT8..INT64, PID, FD, ERRNO
  | 'uint' // UINT8..UINT64
  | 'bool'
  | 'ipaddr'
  | 'ipnet'
  | 'port'
  | 'abstime' // ns since the epoch (bigint)
  | 'reltime' // ns (number)
  | 'bytes'
  | 'double';

/** What an extractor returns. Lists are arrays of strings. `undefined` = not available. */
export type Value = string | number | bigint | boolean | Buffer | readonly string[];
export type Extractor = (ctx: EventContext) => Value | undefined;

/** A field bound to its argument, ready to extract. */
export interface BoundField {
  extract: Extractor;
  /** Overrides the declared type when the argument decides it (evt.rawarg.X). */
  type?: FieldType;
  /**
   * Filter-only "either side" fields (fd.ip, fd.port, fd.net): a check holds when it holds for
   * any side (=, in) or for every side (!=).
   */
  sides?: readonly Extractor[];
  /**
   * Ancestor fields without an index (proc.aname ...): in filters a check holds when it holds for
   * any ancestor, starting from the parent.
   */
  anyAncestor?: (ctx: EventContext, pred: (v: Value) => boolean) => boolean;
  /**
   * The text outputs print for the event's value when it is not the value's own text (evt.rawarg.X
   * in its parameter's print format: brk's res in hex); undefined: the value's own text. Output
   * only: filters compare the typed value.
   */
  print?: (ctx: EventContext) => string | undefined;
}

type ArgMode = 'none' | 'optional' | 'required';

export interface FieldDef {
  name: string;
  type: FieldType;
  desc: string;
  /** Whether the field takes an argument, as `name[arg]` (or `name.arg` when `dottedArg`). */
  arg: ArgMode;
  dottedArg?: boolean;
  /** Multi-valued field: supports only in / intersects / exists. */
  list?: boolean;
  /** Usable in conditions only, not in outputs. */
  filterOnly?: boolean;
  /** Cannot appear as right-hand side of a comparison (val(), transformers). */
  noRhs?: boolean;
  noTransformer?: boolean;
  deprecated?: boolean;
  /**
   * The values compared with the field are host names to resolve (fd.*ip.name): a check asks
   * for them on its first evaluation, so checks of such fields have an effect and keep their
   * place in and/or chains.
   */
  resolvesNames?: boolean;
  /** Printed zero-padded to this many digits (libs' PF_10_PADDED_DEC: evt.rawtime.ns prints %09). */
  padDigits?: number;
  /** Printed in upper-case hexadecimal (libs' PF_HEX: fd.dev prints FE00). */
  hex?: boolean;
  /** Binds the argument (validated here, once, at compile time). Throws FieldArgError. */
  bind(arg: string | undefined): BoundField;
}

export class FieldArgError extends Error {
  override name = 'FieldArgError';
}
