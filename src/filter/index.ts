// The filter layer's surface: Falco's condition language (parser, AST, compilers to closures and
// to one function per event code), output formats and the user filter of inspect and capture.
// The field registry alone is filter/fields (what `saker fields` lists, without the compilers).

export { astToString } from './ast-string.js';
export { copyConnectives } from './ast-walk.js';
export type { Expr, Node, Pos } from './ast.js';
export { eventCodesOf } from './condition-codes.js';
export { compileFilter } from './condition-compiler.js';
export { FilterSyntaxError, parseCondition } from './condition-parser.js';
export { iso8601, iso8601Z, timeOfDay } from './fields/time.js';
export { compileGroup } from './group-compiler.js';
export { compileFormat, FormatError, type JsonValue, fieldText, NOT_AVAILABLE, type OutputFormat } from './output-format.js';
export { compileUserFilter, compileUserFilterWithCodes, describeFilterError, FilterError } from './user-filter.js';
export { genericSyscallsOf } from './condition-syscalls.js';
export { exactPathsOf } from './condition-paths.js';
export { FilterCompileError } from './condition-compiler.js';
