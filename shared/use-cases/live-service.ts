import type { Service } from '#domain/model.ts';
import type { CorePorts } from '#ports/ports.ts';
import { getService } from './services.ts';

/**
 * Checks that a registered service's Deployment still exists, before anything is written for it.
 * Every route that writes for a service calls this first: a Deployment deleted after registration
 * throws the cluster port's ClusterNotFoundError (404 `workload_not_found` naming `deployment`,
 * mapped at the edge), an unreachable cluster its ClusterUnavailableError (503), and nothing is
 * written either way. Routes that only delete do not call it, so a service whose Deployment
 * vanished can still be cleaned up.
 */
export async function requireWorkload(ports: Pick<CorePorts, 'cluster'>, service: Service): Promise<Service> {
  await ports.cluster.getScale(service);
  return service;
}

/** The registered service (404 naming `field` if it is not) whose Deployment still exists. */
export async function getLiveService(ports: Pick<CorePorts, 'store' | 'cluster'>, name: string, field = 'name'): Promise<Service> {
  return requireWorkload(ports, await getService(ports, name, field));
}
