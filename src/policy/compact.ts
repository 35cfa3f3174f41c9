// Tetragon's compact one-line form of an event (tetra getevents -o compact, tetragon-spec §5.2):
// `<emoji> <tag padded to 7> <namespace/pod or node> <binary> <details>`, strings with spaces or
// unprintable characters quoted as Go's strconv.Quote does, and the CAP_SYS_ADMIN trailer.

// Events come from other tools as well as Saker: read loosely, every field optional.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- Tetragon events come from other tools as well as Saker: JSON read loosely, every field optional, checked where it is read */
type Json = Record<string, any>;

/** Go's strconv.Quote for the strings Tetragon's maybeQuote quotes (a space or an unprintable character). */
export function maybeQuote(s: string): string {
  if (!/[\s\p{C}]/u.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (/\p{C}/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function line(emoji: string, tag: string, rest: Array<string | number | undefined>): string {
  return [`${emoji} ${tag.padEnd(7)}`, ...rest.filter((x) => x !== undefined && x !== '')].join(' ');
}

function source(ev: Json, p: Json | undefined): string {
  const pod = p?.pod;
  return pod?.namespace || pod?.name ? `${pod.namespace ?? ''}/${pod.name ?? ''}` : String(ev.node_name ?? '');
}

function capTrailer(text: string, p: Json | undefined): string {
  const eff = p?.cap?.effective;
  return Array.isArray(eff) && eff.length > 21 ? `${text.padEnd(120)} 🛑 CAP_SYS_ADMIN` : text;
}

function filePath(a: Json | undefined): string | undefined {
  return a?.file_arg?.path ?? a?.path_arg?.path ?? a?.string_arg;
}

function argText(a: Json | undefined): string | undefined {
  if (!a) return undefined;
  for (const k of ['string_arg', 'int_arg', 'uint_arg', 'long_arg', 'size_arg']) if (a[k] !== undefined) return maybeQuote(String(a[k]));
  const f = filePath(a);
  return f === undefined ? undefined : maybeQuote(f);
}

function kprobeDetail(k: Json, src: string, bin: string): string {
  const fn = String(k.function_name ?? '');
  const name = fn.replace(/^__(x64|arm64|ia32)_/, '');
  const args: Json[] = k.args ?? [];
  switch (name) {
    case 'sys_write': return line('📝', 'write', [src, bin, argText(args[0]), args[2]?.size_arg !== undefined ? `${args[2].size_arg} bytes` : undefined]);
    case 'sys_read': return line('📚', 'read', [src, bin, argText(args[0]), args[2]?.size_arg !== undefined ? `${args[2].size_arg} bytes` : undefined]);
    case 'fd_install': return line('📬', 'open', [src, bin, argText(args[1])]);
    case 'sys_openat': return line('📬️', 'openat', [src, bin, argText(args[1])]);
    case 'sys_open': return line('📬️', 'open', [src, bin, argText(args[0])]);
    case 'sys_close': return line('📪', 'close', [src, bin, argText(args[0])]);
    case 'sys_mount': return line('💾', 'mount', [src, bin, argText(args[0]), argText(args[1])]);
    case 'sys_pivot_root': return line('💾', 'pivot_root', [src, bin, argText(args[0]), argText(args[1])]);
    case 'sys_setuid': return line('🔑', 'setuid', [src, bin, argText(args[0])]);
    case 'sys_clock_settime': return line('⏰', 'clock_settime', [src, bin]);
    case 'sys_setns': return line('🔧', 'setns', [src, bin, argText(args[1])]);
    case 'security_file_permission': {
      const mode = args[1]?.int_arg;
      const [e, t] = mode === 2 ? ['📝', 'write'] : mode === 4 ? ['📚', 'read'] : ['❓', 'security_file_permission'];
      return line(e, t, [src, bin, argText(args[0])]);
    }
    case 'security_path_truncate': case 'security_file_truncate': return line('📝', 'truncate', [src, bin, argText(args[0])]);
    default: return line('❓', 'syscall', [src, bin, fn]);
  }
}

/** The compact line of one event object, or undefined for kinds Tetragon prints nothing for. */
export function compactLine(ev: Json, withTime = false): string | undefined {
  const kind = Object.keys(ev).find((k) => k.startsWith('process_'));
  if (!kind) return undefined;
  const body: Json = ev[kind];
  const p: Json | undefined = body.process;
  const src = source(ev, p);
  const bin = maybeQuote(String(p?.binary ?? ''));
  const args = p?.arguments ? maybeQuote(String(p.arguments)) : undefined;
  let text: string | undefined;
  switch (kind) {
    case 'process_exec': text = line('🚀', 'process', [src, bin, args]); break;
    case 'process_exit': text = line('💥', 'exit', [src, bin, args, body.signal ? String(body.signal) : String(body.status ?? 0)]); break;
    case 'process_kprobe': text = kprobeDetail(body, src, bin); break;
    case 'process_tracepoint':
      if (body.subsys === 'raw_syscalls' && body.event === 'sys_enter') {
        const id = body.args?.[0]?.syscall_id?.id ?? body.args?.[0]?.long_arg ?? body.args?.[0]?.size_arg;
        text = line('☎ ', 'syscall', [src, bin, `${id ?? '?'}(${(body.args ?? []).slice(1).map((a: Json) => argText(a)).join(', ')})`]);
      } else text = line('⁉️', 'tracepoint', [src, bin, body.subsys, body.event]);
      break;
    case 'process_lsm': text = line('🔒', 'LSM', [src, bin, body.function_name]); break;
    case 'process_uprobe': text = line('🕵️', 'uprobe', [src, bin, body.path, body.symbol]); break;
    case 'process_usdt': text = line('🕵️', 'usdt', [src, bin, body.path, body.provider, body.name]); break;
    case 'process_loader': text = line('🧬', 'loader', [src, bin, body.path]); break;
    case 'process_throttle': text = `🧬 throttle ${body.type === 'THROTTLE_START' ? 'START' : 'STOP'}  ${body.cgroup ?? ''}`; break;
    default: return undefined;
  }
  text = capTrailer(text, p);
  return withTime && typeof ev.time === 'string' ? `${ev.time} ${text}` : text;
}
