import { NotAllowedError, NotFoundError } from '#domain/errors.ts';
import type { Endpoint, RegistryEntry } from '#domain/mesh/canonical.ts';
import { type Rollout, rolloutOf } from '#domain/mesh/rollout.ts';
import type { MeshPorts } from '#ports/ports.ts';

export interface DiscoveryOptions {
  /** The calling service (a registry name): only what it may call is shown. Without it, the operator's whole view. */
  from?: string;
}

/**
 * Whether `caller` may discover `entry`: namespaces keep agencies apart (chapter 10's FAQ), so
 * only its own namespace, a namespace the entry's manifest allows (allowFrom), or a TrafficPolicy
 * from the caller to the entry opens the way. The AuthorizationPolicy rendered for the entry says the same to Istio.
 */
async function reason(ports: Pick<MeshPorts, 'meshStore'>, caller: RegistryEntry, entry: RegistryEntry): Promise<string | null> {
  if (caller.namespace === entry.namespace) return 'same namespace';
  if (entry.manifest.spec.allowFrom.includes(caller.namespace)) return `${entry.name} allows namespace ${caller.namespace}`;
  const policies = await ports.meshStore.list('policy');
  const policy = policies.find((p) => p.policy.spec.source === caller.name && p.policy.spec.destination === entry.name);
  return policy ? `TrafficPolicy ${policy.name}` : null;
}

async function callerOf(ports: Pick<MeshPorts, 'meshStore'>, from: string): Promise<RegistryEntry> {
  const caller = await ports.meshStore.get('service', from);
  if (!caller) throw new NotFoundError(`service ${from} (the caller named by from) in the mesh registry`, 'from');
  return caller;
}

/** GET /registry: every entry, or with `from` the ones that service may call. */
export async function listRegistry(ports: Pick<MeshPorts, 'meshStore'>, options: DiscoveryOptions = {}): Promise<RegistryEntry[]> {
  const entries = await ports.meshStore.list('service');
  if (options.from === undefined) return entries;
  const caller = await callerOf(ports, options.from);
  const visible: RegistryEntry[] = [];
  for (const entry of entries) if ((await reason(ports, caller, entry)) !== null) visible.push(entry);
  return visible;
}

/**
 * The rollout of the Deployment hms-sys rendered for the entry, read now; absent when the manifest
 * names no image (the workload is the team's own) or the Deployment is not there (yet, or any more).
 */
async function rolloutFor(ports: Pick<MeshPorts, 'mesh'>, entry: RegistryEntry): Promise<Rollout | undefined> {
  const ref = entry.objects.find((o) => o.kind === 'Deployment');
  if (!entry.manifest.spec.image || !ref) return undefined;
  const deployment = await ports.mesh.get(entry.cluster, ref);
  return deployment ? rolloutOf(deployment) : undefined;
}

/**
 * GET /registry/{name} and `discover(name)`: the entry with its Ready endpoints, read from its
 * Service's EndpointSlices now, so a moved pod is found at once, and its Deployment's rollout
 * (what `hms-sys deploy` waits on). With `from`, a service in another namespace that no policy
 * opens is refused (403 cross_namespace_denied, field from).
 */
export async function getRegistryEntry(
  ports: Pick<MeshPorts, 'meshStore' | 'mesh'>,
  name: string,
  options: DiscoveryOptions = {},
): Promise<RegistryEntry & { endpoints: Endpoint[]; rollout?: Rollout }> {
  const entry = await ports.meshStore.get('service', name);
  if (!entry) throw new NotFoundError(`service ${name} in the mesh registry`, 'name');
  if (options.from !== undefined) {
    const caller = await callerOf(ports, options.from);
    if ((await reason(ports, caller, entry)) === null) {
      throw new NotAllowedError(
        'cross_namespace_denied',
        `${caller.name} (namespace ${caller.namespace}) may not discover ${name} (namespace ${entry.namespace}): namespaces are kept apart unless ${name}'s manifest allows ${caller.namespace} or a TrafficPolicy from ${caller.name} to ${name} is applied`,
        'from',
      );
    }
  }
  const [endpoints, rollout] = await Promise.all([ports.mesh.readyEndpoints(entry.cluster, entry.namespace, entry.name), rolloutFor(ports, entry)]);
  return { ...entry, endpoints, ...(rollout ? { rollout } : {}) };
}
