/**
 * Discovery, in the legacy (unaggregated) form: /version, /api, /api/v1, /apis and one
 * APIResourceList per group version. kubectl asks /api and /apis for the aggregated form first
 * (application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList) and falls back to these
 * documents when the answer is plain application/json, as an older API server gives.
 * https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api
 * The verbs listed are the ones the simulator serves, no more.
 */
import { apiVersionOf } from '#domain/mesh/kube-resources.ts';
import { GENERIC_KINDS } from './generic-kinds.ts';
import type { Json, SimResponse } from './request-parsing.ts';

interface Resource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** For a subresource served in another group version (the scale subresource). */
  group?: string;
  version?: string;
}

/** Every group version the simulator serves, with its resources. */
const GROUP_VERSIONS: Record<string, Resource[]> = {
  v1: [
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] },
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list'], shortNames: ['no'] },
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'], categories: ['all'] },
  ],
  'apps/v1': [
    {
      name: 'deployments',
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
      shortNames: ['deploy'],
      categories: ['all'],
    },
    { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch'] },
  ],
  'autoscaling/v2': [
    {
      name: 'horizontalpodautoscalers',
      singularName: 'horizontalpodautoscaler',
      namespaced: true,
      kind: 'HorizontalPodAutoscaler',
      verbs: ['create', 'get', 'list', 'patch'],
      shortNames: ['hpa'],
      categories: ['all'],
    },
  ],
  'scheduling.k8s.io/v1': [
    { name: 'priorityclasses', singularName: 'priorityclass', namespaced: false, kind: 'PriorityClass', verbs: ['get'], shortNames: ['pc'] },
  ],
};

// The kinds kept whole (Services, EndpointSlices, ConfigMaps, Secrets, Istio's kinds) join their group versions.
for (const { resource } of GENERIC_KINDS) {
  const groupVersion = apiVersionOf(resource);
  const categories =
    resource.kind === 'Service' ? ['all'] : resource.group.endsWith('istio.io') ? [`${resource.group.split('.')[0]}-istio-io`, 'istio-io'] : undefined;
  GROUP_VERSIONS[groupVersion] = [
    ...(GROUP_VERSIONS[groupVersion] ?? []),
    {
      name: resource.plural,
      singularName: resource.singular,
      namespaced: true,
      kind: resource.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'watch'],
      ...(resource.shortNames ? { shortNames: [...resource.shortNames] } : {}),
      ...(categories ? { categories } : {}),
    },
  ];
}

/** The Kubernetes version the simulator's API imitates. */
const VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-hms-sys-simulator' };

/** A discovery document for the path, or undefined when the path is not a discovery path. */
export function discovery(pathname: string): SimResponse | undefined {
  const path = pathname.replace(/\/$/, '') || '/';
  if (path === '/version') {
    return ok({
      ...VERSION,
      gitCommit: '',
      gitTreeState: 'clean',
      buildDate: '1970-01-01T00:00:00Z',
      goVersion: 'n/a',
      compiler: 'n/a',
      platform: `${process.platform}/${process.arch}`,
    });
  }
  if (path === '/api') return ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (path === '/apis') return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(([name, versions]) => apiGroup(name, versions)) });
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const found = groups().find(([name]) => name === group[1]);
    return found ? ok({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(...found) }) : undefined;
  }
  const groupVersion = path === '/api/v1' ? 'v1' : /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
  const resources = groupVersion === undefined ? undefined : GROUP_VERSIONS[groupVersion];
  if (!resources) return undefined;
  return ok({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources });
}

/** Named groups and their versions (the core group, served under /api, is not one). */
function groups(): [string, string[]][] {
  const byGroup = new Map<string, string[]>();
  for (const groupVersion of Object.keys(GROUP_VERSIONS)) {
    const [group, version] = groupVersion.split('/');
    if (version === undefined) continue;
    byGroup.set(group!, [...(byGroup.get(group!) ?? []), version]);
  }
  return [...byGroup];
}

function apiGroup(name: string, versions: string[]): Json {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

const ok = (body: Json): SimResponse => ({ status: 200, body });
