// k8s.rs.name and k8s.deployment.name without asking the API server: a Deployment's ReplicaSet is
// named "<deployment>-<pod-template-hash>" and stamps that hash on its pods as the
// `pod-template-hash` label; its pods are named "<replicaset>-<random suffix>". A pod without the
// label (a bare pod, a StatefulSet's or DaemonSet's) has neither, and the fields stay empty.
export interface PodOwners {
  replicaSet: string;
  deployment: string;
}

const NONE: PodOwners = Object.freeze({ replicaSet: '', deployment: '' });

export function podOwners(podName: string, podLabels: Readonly<Record<string, string>> | undefined): PodOwners {
  const hash = podLabels?.['pod-template-hash'];
  if (hash === undefined || hash === '' || podName === '') return NONE;
  const marker = `-${hash}-`;
  const at = podName.lastIndexOf(marker);
  // The suffix after the ReplicaSet name must be there and the deployment name not empty.
  if (at <= 0 || at + marker.length >= podName.length) return NONE;
  return { replicaSet: podName.slice(0, at + marker.length - 1), deployment: podName.slice(0, at) };
}
