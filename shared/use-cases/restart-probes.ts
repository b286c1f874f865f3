import type { ChangeProbe } from '#ports/audit-outbox.ts';
import type { RestartCluster } from '#ports/cluster.ts';
import { ClusterNotFoundError } from '#ports/errors.ts';
import type { StateStore } from '#ports/state-store.ts';
import type { ProbeAnswer } from './drain-audit-outbox.ts';

/**
 * Whether a consumer's rolling restart stood: its Deployment's pod template carries the annotation
 * the restart wrote (the consumer restarter's cluster access reads it). A service or Deployment
 * gone since means no restart stands. Other probe kinds are left.
 */
export function restartProbes(ports: { store: Pick<StateStore, 'getService'>; cluster: Pick<RestartCluster, 'templateAnnotation'> }): ProbeAnswer {
  return async (probe: ChangeProbe) => {
    if (probe.kind !== 'pod-template-annotation') return null;
    const service = await ports.store.getService(probe.service);
    if (!service) return false;
    try {
      return (await ports.cluster.templateAnnotation(service, probe.key)) === probe.value;
    } catch (err) {
      if (err instanceof ClusterNotFoundError) return false;
      throw err;
    }
  };
}
