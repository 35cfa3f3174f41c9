// The JSON Schema of Tetragon's TracingPolicy / TracingPolicyNamespaced CRD (cilium.io/v1alpha1)
// as Saker checks it: unknown fields are errors (Tetragon's yaml.UnmarshalStrict), enums with
// their exact CRD spellings, and the CRD's defaults (`syscall: true`, `type: auto` ...) applied
// by ajv's useDefaults as Kubernetes' structural defaulting does. Limits that Tetragon checks in
// its loaders rather than in the schema are in checks.ts, so their messages match the loader's.

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const strList: Schema = { type: 'array', items: str };
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}),
});
const list = (items: Schema, maxItems?: number): Schema => ({ type: 'array', items, ...(maxItems !== undefined ? { maxItems } : {}) });
const oneOfStrings = (values: readonly string[], dflt?: string): Schema => ({ type: 'string', enum: values, ...(dflt !== undefined ? { default: dflt } : {}) });

export const ARG_TYPES = [
  'auto', 'int', 'sint8', 'int8', 'uint8', 'sint16', 'int16', 'uint16', 'uint32', 'sint32', 'int32', 'ulong', 'uint64', 'size_t',
  'long', 'sint64', 'int64', 'char_buf', 'char_iovec', 'skb', 'sock', 'sockaddr', 'socket', 'sockaddr_un', 'string', 'fd', 'file',
  'filename', 'path', 'nop', 'bpf_attr', 'perf_event', 'bpf_map', 'user_namespace', 'capability', 'kiocb', 'iov_iter', 'cred',
  'const_buf', 'load_info', 'module', 'syscall64', 'kernel_cap_t', 'cap_inheritable', 'cap_permitted', 'cap_effective',
  'linux_binprm', 'data_loc', 'net_device', 'bpf_cmd', 'dentry', 'bpf_prog', 'unsigned long',
] as const;

export const ARG_OPERATORS = [
  'Equal', 'NotEqual', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix', 'GreaterThan', 'LessThan', 'GT', 'LT', 'Mask', 'SPort',
  'NotSPort', 'SPortPriv', 'NotSportPriv', 'DPort', 'NotDPort', 'DPortPriv', 'NotDPortPriv', 'SAddr', 'NotSAddr', 'DAddr',
  'NotDAddr', 'Protocol', 'Family', 'State', 'InMap', 'NotInMap', 'CapabilitiesGained', 'InRange', 'NotInRange', 'SubString',
  'SubStringIgnCase', 'CelExpr', 'FileType', 'NotFileType',
] as const;

export const ACTIONS = [
  'Post', 'Sigkill', 'Override', 'GetUrl', 'DnsLookup', 'NoPost', 'Signal', 'TrackSock', 'UntrackSock', 'NotifyEnforcer',
  'CleanupEnforcerNotification', 'Set',
] as const;

export const BINARY_OPERATORS = ['In', 'NotIn', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix'] as const;
export const NAMESPACES = ['Uts', 'Ipc', 'Mnt', 'Pid', 'PidForChildren', 'Net', 'Time', 'TimeForChildren', 'Cgroup', 'User'] as const;
const IN_NOTIN = ['In', 'NotIn'] as const;

const labelSelector = obj({
  matchLabels: { type: 'object', additionalProperties: str },
  matchExpressions: list(obj({ key: str, operator: oneOfStrings(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: strList }, ['key', 'operator'])),
});

const arg = obj({
  index: { type: 'integer', minimum: 0 },
  type: oneOfStrings(ARG_TYPES, 'auto'),
  resolve: { ...str, default: '' },
  btfType: str,
  btfTypeModule: str,
  sizeArgIndex: { type: 'integer', minimum: 0, default: 0 },
  returnCopy: { ...bool, default: false },
  maxData: { ...bool, default: false },
  label: str,
  source: str,
}, ['index']);

const matchArg = obj({
  index: { type: 'integer', minimum: 0 },
  args: list({ type: 'integer', minimum: 0 }),
  operator: oneOfStrings(ARG_OPERATORS),
  values: strList,
}, ['operator']);

const action = obj({
  action: oneOfStrings(ACTIONS),
  argFd: int, argName: int, argError: int, argSig: int, argSock: int, argUrl: str, argFqdn: str,
  argIndex: int, argValue: int, argRegs: strList, argNewSymbol: str, argNewAddr: int, argNewOffset: int,
  rateLimit: str, rateLimitScope: str,
  kernelStackTrace: bool, userStackTrace: bool, imaHash: bool,
}, ['action']);

/** matchBinaries and matchParentBinaries. */
const binaryFilter = obj({ operator: oneOfStrings(BINARY_OPERATORS), values: strList, followChildren: { ...bool, default: false } }, ['operator', 'values']);

/** matchCapabilities and matchCapabilityChanges. */
const capabilityFilter = obj({
  type: oneOfStrings(['Effective', 'Inheritable', 'Permitted'], 'Effective'),
  operator: oneOfStrings(IN_NOTIN),
  isNamespaceCapability: { ...bool, default: false },
  values: strList,
}, ['operator', 'values']);

const selector = obj({
  label: str,
  macros: strList,
  matchPIDs: list(obj({
    operator: oneOfStrings(IN_NOTIN),
    values: list({ type: 'integer', minimum: 0, maximum: 4294967295 }),
    isNamespacePID: { ...bool, default: false },
    followForks: { ...bool, default: false },
  }, ['operator', 'values'])),
  matchArgs: list({ $ref: '#/$defs/matchArg' }),
  matchData: list({ $ref: '#/$defs/matchArg' }),
  matchReturnArgs: list({ $ref: '#/$defs/matchArg' }),
  matchBinaries: list(binaryFilter, 1),
  matchParentBinaries: list(binaryFilter, 1),
  matchNamespaces: list(obj({ namespace: oneOfStrings(NAMESPACES), operator: oneOfStrings(IN_NOTIN), values: strList }, ['namespace', 'operator', 'values'])),
  matchNamespaceChanges: list(obj({ operator: oneOfStrings(IN_NOTIN), values: strList }, ['operator', 'values'])),
  matchCapabilities: list(capabilityFilter),
  matchCapabilityChanges: list(capabilityFilter),
  matchWorkloads: list(obj({ podSelector: { $ref: '#/$defs/labelSelector' }, containerSelector: { $ref: '#/$defs/labelSelector' }, hostSelector: { $ref: '#/$defs/labelSelector' } })),
  matchActions: list({ $ref: '#/$defs/action' }),
  matchReturnActions: list({ $ref: '#/$defs/action' }),
});

// Shared definitions are referenced, not inlined: ajv compiles each once (seconds otherwise).
const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const DEFS: Record<string, Schema> = { arg, selector, labelSelector, matchArg, action };

const common = {
  message: str,
  args: list(ref('arg')),
  selectors: list(ref('selector')),
  tags: strList,
};

const kprobe = obj({
  call: str,
  syscall: { ...bool, default: true },
  return: { ...bool, default: false },
  ...common,
  data: list(ref('arg')),
  returnArg: ref('arg'),
  returnArgAction: str,
  ignore: obj({ callNotFound: bool }),
}, ['call']);

const tracepoint = obj({ subsystem: str, event: str, raw: { ...bool, default: false }, ...common }, ['subsystem', 'event']);
const lsmhook = obj({ hook: str, ...common }, ['hook']);
const uprobe = obj({
  path: str, btfPath: str, symbols: strList, offsets: list(int), addrs: list(int), refCtrOffsets: list(int), ...common,
  data: list(ref('arg')), return: bool, returnArg: ref('arg'), binaryDigests: strList, ignore: obj({ digestVerificationFailure: bool }),
}, ['path']);
const usdt = obj({ path: str, btfPath: str, provider: str, name: str, ...common }, ['path', 'provider', 'name']);

DEFS.kprobe = kprobe;
const spec = obj({
  kprobes: list(ref('kprobe')),
  fentries: list(ref('kprobe')),
  tracepoints: list(tracepoint),
  lsmhooks: list(lsmhook),
  uprobes: list(uprobe),
  usdts: list(usdt),
  loader: bool,
  lists: list(obj({
    name: str, values: strList, type: oneOfStrings(['syscalls', 'generated_syscalls', 'generated_ftrace']), pattern: str, validated: bool,
  }, ['name'])),
  enforcers: list(obj({ calls: strList }, ['calls'])),
  options: list(obj({ name: str, value: str }, ['name'])),
  podSelector: ref('labelSelector'),
  containerSelector: ref('labelSelector'),
  hostSelector: ref('labelSelector'),
  nodeSelector: ref('labelSelector'),
  selectorsMacros: { type: 'object', additionalProperties: ref('selector') },
});

const metadata: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 }, namespace: str, generateName: str, uid: str, resourceVersion: str, generation: int,
    creationTimestamp: {}, labels: { type: 'object', additionalProperties: str }, annotations: { type: 'object', additionalProperties: str },
  },
};

export const TRACING_POLICY_SCHEMA: Schema = {
  ...obj({
    apiVersion: { const: 'cilium.io/v1alpha1' },
    kind: oneOfStrings(['TracingPolicy', 'TracingPolicyNamespaced']),
    metadata,
    spec,
  }, ['apiVersion', 'kind', 'metadata', 'spec']),
  $defs: DEFS,
};
