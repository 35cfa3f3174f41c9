// The shape of a TracingPolicy after schema validation and Tetragon's defaults (schema.ts): what
// the checks, the hook planner and the selector compiler read.
import type { ACTIONS, ARG_OPERATORS, ARG_TYPES, BINARY_OPERATORS, NAMESPACES } from './schema.js';

export type ArgType = (typeof ARG_TYPES)[number];
type ArgOperator = (typeof ARG_OPERATORS)[number];
type ActionName = (typeof ACTIONS)[number];
type BinaryOperator = (typeof BINARY_OPERATORS)[number];
type NamespaceName = (typeof NAMESPACES)[number];

export interface ArgSpec {
  index: number;
  type: ArgType;
  resolve: string;
  sizeArgIndex: number;
  returnCopy: boolean;
  maxData: boolean;
  label?: string;
  btfType?: string;
  source?: string;
}

export interface MatchArg { index?: number; args?: number[]; operator: ArgOperator; values?: string[] }
interface MatchPIDs { operator: 'In' | 'NotIn'; values: number[]; isNamespacePID: boolean; followForks: boolean }
interface MatchBinaries { operator: BinaryOperator; values: string[]; followChildren: boolean }
interface MatchNamespaces { namespace: NamespaceName; operator: 'In' | 'NotIn'; values: string[] }
interface MatchCapabilities { type: 'Effective' | 'Inheritable' | 'Permitted'; operator: 'In' | 'NotIn'; isNamespaceCapability: boolean; values: string[] }

interface ActionSpec {
  action: ActionName;
  argError?: number;
  argSig?: number;
  rateLimit?: string;
  rateLimitScope?: string;
  kernelStackTrace?: boolean;
  userStackTrace?: boolean;
  imaHash?: boolean;
  argUrl?: string;
  argFqdn?: string;
  argSock?: number;
}

export interface Selector {
  label?: string;
  macros?: string[];
  matchPIDs?: MatchPIDs[];
  matchArgs?: MatchArg[];
  matchData?: MatchArg[];
  matchReturnArgs?: MatchArg[];
  matchBinaries?: MatchBinaries[];
  matchParentBinaries?: MatchBinaries[];
  matchNamespaces?: MatchNamespaces[];
  matchNamespaceChanges?: Array<{ operator: 'In' | 'NotIn'; values: string[] }>;
  matchCapabilities?: MatchCapabilities[];
  matchCapabilityChanges?: MatchCapabilities[];
  matchWorkloads?: unknown[];
  matchActions?: ActionSpec[];
  matchReturnActions?: ActionSpec[];
}

interface HookCommon { message?: string; args?: ArgSpec[]; selectors?: Selector[]; tags?: string[] }
export interface KprobeSpec extends HookCommon {
  call: string;
  syscall: boolean;
  return: boolean;
  returnArg?: ArgSpec;
  data?: ArgSpec[];
  returnArgAction?: string;
  ignore?: { callNotFound?: boolean };
}
export interface TracepointSpec extends HookCommon { subsystem: string; event: string; raw: boolean }
interface LsmHookSpec extends HookCommon { hook: string }

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

interface ListSpec { name: string; values?: string[]; type?: 'syscalls' | 'generated_syscalls' | 'generated_ftrace'; pattern?: string }

interface TracingPolicySpec {
  kprobes?: KprobeSpec[];
  fentries?: KprobeSpec[];
  tracepoints?: TracepointSpec[];
  lsmhooks?: LsmHookSpec[];
  uprobes?: unknown[];
  usdts?: unknown[];
  loader?: boolean;
  lists?: ListSpec[];
  enforcers?: Array<{ calls: string[] }>;
  options?: Array<{ name: string; value?: string }>;
  podSelector?: LabelSelector;
  containerSelector?: LabelSelector;
  hostSelector?: LabelSelector;
  nodeSelector?: LabelSelector;
  selectorsMacros?: Record<string, Selector>;
}

export interface TracingPolicy {
  apiVersion: 'cilium.io/v1alpha1';
  kind: 'TracingPolicy' | 'TracingPolicyNamespaced';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: TracingPolicySpec;
}

/** One problem found in a policy file, located in the YAML. */
export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  /** Field path inside the document, e.g. `spec.kprobes[0].selectors[1].matchActions[0].action`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}
