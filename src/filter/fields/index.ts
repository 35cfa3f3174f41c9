// The field registry: every field rules and outputs can use, looked up by name with its argument
// (`proc.aname[2]`, or dotted like `evt.arg.flags`).
import { CONTAINER_FIELDS } from './container.js';
import { EVT_FIELDS } from './evt.js';
import { FD_FIELDS } from './fd.js';
import { PROC_FIELDS } from './proc.js';
import { USER_FIELDS } from './user.js';
import type { FieldDef } from './types.js';

export * from './types.js';

/** Field classes in the order `saker fields` lists them. */
export const FIELD_CLASSES: ReadonlyArray<{ name: string; desc: string; fields: readonly FieldDef[] }> = [
  { name: 'evt', desc: 'The event: type, time, arguments, result.', fields: EVT_FIELDS },
  { name: 'process', desc: 'The process and thread that produced the event, and its ancestors.', fields: PROC_FIELDS },
  { name: 'fd', desc: 'The file descriptor the event is about: files, sockets, pipes.', fields: FD_FIELDS },
  { name: 'user', desc: 'The user and group of the process.', fields: USER_FIELDS },
  { name: 'container', desc: 'The container and Kubernetes pod of the process.', fields: CONTAINER_FIELDS },
];

const BY_NAME = new Map<string, FieldDef>();
for (const c of FIELD_CLASSES) for (const f of c.fields) BY_NAME.set(f.name, f);

export interface FieldRef {
  def: FieldDef;
  /** The argument: from `[arg]`, or the dotted remainder for dotted-argument fields. */
  arg: string | undefined;
}

/**
 * Resolves a field name as the parser produced it. `evt.arg.flags` resolves to `evt.arg` with
 * argument `flags` (longest known prefix that accepts a dotted argument).
 */
export function resolveField(name: string, bracketArg?: string): FieldRef | undefined {
  const exact = BY_NAME.get(name);
  if (exact) return { def: exact, arg: bracketArg };
  for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
    const def = BY_NAME.get(name.slice(0, dot));
    if (def?.dottedArg && bracketArg === undefined) return { def, arg: name.slice(dot + 1) };
  }
  return undefined;
}

/** True when `name` (possibly with a dotted argument) is a known field. */
export function hasField(name: string): boolean {
  const m = /^([^[]+)(?:\[(.*)\])?$/.exec(name);
  return m ? resolveField(m[1]!, m[2]) !== undefined : false;
}
export { iso8601Z } from './time.js';
