// Loading the TracingPolicies a command works with: --policy files and directories, else the
// configuration's `policies` key (a path or a list of paths); checked against the features the
// running kernel offers (probed once per command), and the problems printed as Saker prints rules
// errors: file:line:column, field path, message.
import { probeKernelFeatures, type KernelFeatures } from '../policy/index.js';
import { loadPolicyFiles, type PolicyLoad } from '../policy/index.js';
import type { PolicyProblem } from '../policy/index.js';

export { policyPaths } from '../policy/index.js';

export function loadPolicies(paths: readonly string[], features: KernelFeatures = probeKernelFeatures()): PolicyLoad {
  return loadPolicyFiles(paths, { features });
}

export function formatProblem(p: PolicyProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return `${where}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
