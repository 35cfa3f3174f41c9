// The abstract syntax tree of the Falco/libsinsp condition language.
// One discriminated union keyed on `kind`; every node carries the position where it starts.

export interface Pos {
  /** 0-based character offset in the parsed text. */
  idx: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

export type BinaryOp =
  | '=' | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'contains' | 'icontains' | 'bcontains' | 'startswith' | 'bstartswith' | 'endswith'
  | 'glob' | 'iglob' | 'regex' | 'in' | 'intersects' | 'pmatch';
type UnaryOp = 'exists';
export type OpModifier = 'oneof' | 'anyof' | 'allof';
export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt' | 'val';

export type Expr = AndExpr | OrExpr | NotExpr | IdentifierExpr | UnaryCheck | BinaryCheck;

interface AndExpr { kind: 'and'; children: Expr[]; pos: Pos }
interface OrExpr { kind: 'or'; children: Expr[]; pos: Pos }
interface NotExpr { kind: 'not'; child: Expr; pos: Pos }
/** A bare identifier in check position: a macro reference. */
interface IdentifierExpr { kind: 'identifier'; name: string; pos: Pos }
export interface UnaryCheck { kind: 'unary'; left: FieldLike; op: UnaryOp; pos: Pos }
export interface BinaryCheck {
  kind: 'binary';
  left: FieldLike;
  op: BinaryOp;
  /** `startswith oneof (...)` and friends. */
  mod?: OpModifier;
  right: ValueExpr | ListExpr | FieldLike;
  pos: Pos;
}

/** A field reference, e.g. proc.aname[2] (name "proc.aname", arg "2"). */
export interface FieldExpr { kind: 'field'; name: string; arg?: string; pos: Pos }
/** A transformer call, e.g. tolower(proc.name), val(fd.name), getopt(proc.args, "o:")[o]. */
export interface TransformerExpr { kind: 'transformer'; name: TransformerName; args: TransformerArg[]; arg?: string; pos: Pos }
export type FieldLike = FieldExpr | TransformerExpr;
export type TransformerArg = FieldExpr | TransformerExpr | ValueExpr | TransformerListExpr;

/** A single value (already unescaped if it was quoted). */
export interface ValueExpr { kind: 'value'; value: string; quoted?: boolean; pos: Pos }
export interface ListExpr { kind: 'list'; values: ValueExpr[]; pos: Pos }
/**
 * A parenthesised list passed to a transformer, e.g. `(fd.name, "x", 1)` in join("-", (...)).
 * Unlike a check's ListExpr it may hold fields and transformers, and prints as `(a,b)`.
 */
export interface TransformerListExpr { kind: 'transformerList'; items: Array<FieldExpr | TransformerExpr | ValueExpr>; pos: Pos }

export type Node = Expr | FieldExpr | TransformerExpr | ValueExpr | ListExpr | TransformerListExpr;
