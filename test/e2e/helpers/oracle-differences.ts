// The one place where Saker's field values may differ from libs master's (the oracle: sinsp-example
// over the same capture, fixtures under test/fixtures/oracle/fields). Every entry says why — libs
// is wrong there, or Saker differs on purpose — and links the libs code that shows it. The field
// oracle test fails on a difference no entry explains, and on an entry that explains nothing.
export type Row = Readonly<Record<string, string>>;

export interface Difference {
  capture: string;
  field: string;
  /** libs' values of the event (sinsp-example), and Saker's (saker inspect). */
  libs: Row;
  saker: Row;
}

export interface NamedDifference {
  name: string;
  why: string;
  /** The libs code (falcosecurity/libs at the oracle's commit) that shows what libs does. */
  libs: string;
  fields: readonly string[];
  holds(d: Difference): boolean;
}

/** libs master as built for the oracle (see test/fixtures/oracle/meta.json). */
export const LIBS = 'https://github.com/falcosecurity/libs/blob/48dfd53cd23f';

export const NAMED_DIFFERENCES: readonly NamedDifference[] = [
  {
    name: 'internal-events-not-printed',
    why: "libs' sinsp-example prints internal events (procinfo: a process's CPU times, one per process of the capture's table); saker inspect reads them and counts them but, like sysdig -r, does not print them",
    libs: `${LIBS}/userspace/libsinsp/sinsp.cpp#L1550`,
    fields: ['(event)'],
    holds: ({ libs }) => libs['evt.type'] === 'procinfo' && libs['evt.category'] === 'internal',
  },
  {
    name: 'sysdig-numbering-of-converted-captures',
    why: "on a capture with enter and exit events (the peer captures), libs numbers the events sinsp receives after libscap's converter merged each enter event into its exit event (one number a syscall, plus the TOCTOU enter events it parses then hides), while saker inspect keeps sysdig's numbering (every record of the file), so that its evt.num, -n and `evt.num` filters line up with sysdig -r on the same file; on exit-only captures (Saker's and current drivers') both count 1, 2, 3 ...",
    libs: `${LIBS}/userspace/libsinsp/sinsp.cpp#L1424`,
    fields: ['evt.num'],
    holds: ({ capture, libs, saker }) => !capture.startsWith('live-') && Number(saker['evt.num']) >= Number(libs['evt.num']),
  },
  {
    name: 'container-users-without-the-plugin',
    why: "the field fixtures come from sinsp-example without the container plugin (container.* are the alert oracle's part), so libs knows no container and looks every thread's user up in the host's table (root: /bin/bash). Saker knows the thread is in a container (the capture's container record) and looks in that container's table, which the capture does not carry: the values libs gives without one (root and /root for uid 0, else <NA>; shell <NA>). With the plugin loaded libs prints the same as Saker (checked: SINSP_CONTAINER=1 sinsp-fields on live-fields.scap.gz gives 'root /root <NA>' for the container's processes)",
    libs: `${LIBS}/userspace/libsinsp/sinsp_filtercheck_user.cpp#L93-L124`,
    fields: ['user.shell', 'user.name', 'user.homedir'],
    holds: ({ field, saker }) => saker[field] === (field === 'user.shell' || saker['user.uid'] !== '0' ? '<NA>' : field === 'user.name' ? 'root' : '/root'),
  },
  {
    name: 'evt-buffer-stale-length',
    why: "libs' evt.buffer is the rendered data parameter cut to the length of the last byte buffer the event rendered (get_rawbuf_str_len), which only a byte buffer's rendering sets: after an empty data parameter (rendered NULL) or one rendered earlier in the same line, the value carries leftovers ('NULL.' and an older buffer, 'p/saker-or' of a path) or is cut short (a container record's JSON at 1021 characters), after a value such as ptrace's dynamic data parameter ('0' then its NUL and an older buffer). Saker prints the data parameter itself",
    libs: `${LIBS}/userspace/libsinsp/sinsp_filtercheck_event.cpp#L1170-L1183`,
    fields: ['evt.buffer'],
    holds: ({ libs, saker }) => libs['evt.buffer']!.startsWith('NULL') || saker['evt.buffer']!.startsWith(libs['evt.buffer']!) ||
      libs['evt.buffer']!.startsWith(`${saker['evt.buffer']}.`),
  },
  {
    name: 'rawarg-of-an-absent-parameter',
    why: "an old capture's event without a parameter its current event table has (the execve exit before its flags parameter): libs' converter adds it empty, and evt.rawarg prints an empty number as '0' (rawval_to_string's len == 0 case), a value the event never carried, while libs' own evt.arg of the same parameter prints <NA>. Saker has no value for it: <NA>, as evt.arg",
    libs: `${LIBS}/userspace/libsinsp/sinsp_filtercheck.cpp#L355-L360`,
    fields: ['evt.rawarg.flags', 'evt.rawarg.res', 'evt.rawarg.fd'],
    holds: ({ field, libs, saker }) => libs[field] === '0' && saker[field] === '<NA>' && libs[field.replace('rawarg', 'arg')] === '<NA>',
  },
  {
    name: 'ppid-duration-falls-through',
    why: "libs' proc.ppid.duration has no return when the parent has no clone time (a parent from the capture's table without one): the switch falls through into proc.fdopencount and prints the thread's open fd count as a duration. Saker prints <NA>, as libs does for proc.duration in the same case",
    libs: `${LIBS}/userspace/libsinsp/sinsp_filtercheck_thread.cpp#L1526-L1540`,
    fields: ['proc.ppid.duration'],
    holds: ({ libs, saker }) => saker['proc.ppid.duration'] === '<NA>' && libs['proc.ppid.duration'] === libs['proc.fdopencount'],
  },
];
