// podSelector / containerSelector and namespaced policies: which containers a policy applies to,
// from what the agent knows of them (its container registry). Tetragon's rules: a podSelector
// matches pod labels (the namespace as label k8s:io.kubernetes.pod.namespace), a containerSelector
// the container's `name` and image `repo`; podSelector alone selects every container of the
// matching pods, containerSelector alone matching containers of any pod — and here, outside
// Kubernetes, of any runtime the agent knows (Tetragon filters pods only). A
// TracingPolicyNamespaced applies to its namespace's pods only. Host processes never match.

/** What a policy's selectors read of a container (the agent's ContainerInfo satisfies it). */
export interface WorkloadView {
  name: string;
  imageRepository: string;
  /** pod labels for a Kubernetes container, the runtime's labels otherwise */
  labels: Record<string, string>;
  podName: string;
  podNamespace: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

interface WorkloadPolicy {
  kind: string;
  metadata: { namespace?: string };
  spec: { podSelector?: LabelSelector; containerSelector?: LabelSelector };
}

/** The label Tetragon gives a pod's namespace in podSelector. */
const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
/** The container fields a containerSelector can name (Tetragon's policyfilter). */
export const CONTAINER_SELECTOR_KEYS: readonly string[] = ['name', 'repo'];

/** Whether the policy applies to some containers only (the kernel then checks its workloads map). */
export function selectsWorkloads(p: WorkloadPolicy): boolean {
  return p.spec.podSelector !== undefined || p.spec.containerSelector !== undefined || p.kind === 'TracingPolicyNamespaced';
}

/** Whether `p` applies to container `c`. */
export function policySelects(p: WorkloadPolicy, c: WorkloadView): boolean {
  const inPod = c.podName !== '' || c.podNamespace !== '';
  if (p.kind === 'TracingPolicyNamespaced' && (!inPod || c.podNamespace !== p.metadata.namespace)) return false;
  if (p.spec.podSelector && (!inPod || !labelsMatch(p.spec.podSelector, { ...c.labels, [NAMESPACE_LABEL]: c.podNamespace }))) return false;
  if (p.spec.containerSelector && !labelsMatch(p.spec.containerSelector, { name: c.name, repo: c.imageRepository })) return false;
  return true;
}

/** A Kubernetes label selector: every matchLabels pair and every expression; {} matches all. */
function labelsMatch(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}
