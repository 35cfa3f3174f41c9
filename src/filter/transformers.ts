// Field transformers: tolower(), toupper(), b64(), basename(), len(), concat(), join(), val().
// Each wraps the extractor of its argument(s) and declares its result type.
import type { TransformerName } from './ast.js';
import type { Extractor, FieldType, Value } from './fields/types.js';

export interface Operand {
  extract: Extractor;
  type: FieldType;
  list: boolean;
}

export class TransformerError extends Error {
  override name = 'TransformerError';
}

const STRINGISH = new Set<FieldType>(['string']);

function b64decode(v: Value): string | undefined {
  const s = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, 'base64').toString('latin1');
}

export function applyTransformer(name: TransformerName, args: Operand[]): Operand {
  const one = (): Operand => {
    if (args.length !== 1) throw new TransformerError(`filter error: transformer '${name}' expects one argument`);
    return args[0]!;
  };
  switch (name) {
    case 'val':
      return one();
    case 'tolower':
    case 'toupper': {
      const a = one();
      if (!STRINGISH.has(a.type) || a.list) throw new TransformerError(`filter error: transformer '${name}' is not supported on field type '${a.type}'`);
      const up = name === 'toupper';
      return { type: 'string', list: false, extract: (ctx) => { const v = a.extract(ctx); return v === undefined ? undefined : up ? (v as string).toUpperCase() : (v as string).toLowerCase(); } };
    }
    case 'b64': {
      const a = one();
      if ((a.type !== 'string' && a.type !== 'bytes') || a.list) throw new TransformerError(`filter error: transformer 'b64' is not supported on field type '${a.type}'`);
      return { type: 'string', list: false, extract: (ctx) => { const v = a.extract(ctx); return v === undefined ? undefined : b64decode(v); } };
    }
    case 'basename': {
      const a = one();
      if (a.type !== 'string' || a.list) throw new TransformerError(`filter error: transformer 'basename' is not supported on field type '${a.type}'`);
      return { type: 'string', list: false, extract: (ctx) => { const v = a.extract(ctx) as string | undefined; return v === undefined ? undefined : v.slice(v.lastIndexOf('/') + 1); } };
    }
    case 'len': {
      const a = one();
      if (!a.list && a.type !== 'string' && a.type !== 'bytes') throw new TransformerError(`filter error: transformer 'len' is not supported on field type '${a.type}'`);
      return { type: 'uint', list: false, extract: (ctx) => { const v = a.extract(ctx); return v === undefined ? 0 : (v as string | Buffer | string[]).length; } };
    }
    case 'concat': {
      if (args.length < 2) throw new TransformerError("filter error: transformer 'concat' requires at least two arguments");
      return { type: 'string', list: false, extract: (ctx) => {
        let s = '';
        for (const a of args) {
          const v = a.extract(ctx);
          if (v === undefined) return undefined;
          s += String(v);
        }
        return s;
      } };
    }
    case 'join': {
      if (args.length !== 2 || !args[1]!.list) throw new TransformerError("filter error: transformer 'join' requires a separator and a list");
      const [sep, list] = args as [Operand, Operand];
      return { type: 'string', list: false, extract: (ctx) => {
        const s = sep.extract(ctx);
        const l = list.extract(ctx) as readonly string[] | undefined;
        return s === undefined || l === undefined ? undefined : l.join(String(s));
      } };
    }
    case 'getopt':
      throw new TransformerError("filter error: transformer 'getopt' is not supported");
  }
}
