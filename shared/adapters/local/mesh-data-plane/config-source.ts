/**
 * How the local data plane learns its configuration: from the Kubernetes API server over HTTPS,
 * as Envoy learns it from istiod (which watches the API server and pushes after a debounce of at
 * least 100 ms). It lists the kinds it enforces every `intervalMs` (100 by default) and, when any
 * object changed, builds a new snapshot, installs it, and records for each changed object the
 * generation now enforced and when (GET /sandbox/mesh/config), so apply→enforced is measurable.
 */
import http from 'node:http';
import https from 'node:https';
import { type KubeObject, MESH_JOIN_LABEL, MESH_MODE_LABELS } from '#domain/mesh/kube-resources.ts';
import { type MeshObjects, MeshSnapshot } from './mesh-snapshot.ts';

const selected = (selector: Record<string, string>) =>
  `/api/v1/pods?labelSelector=${encodeURIComponent(
    Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  )}`;

/** What each kind is read from; pods only as meshed (chapter 7's label or either Istio mode's), since a selector cannot say "or". */
const LISTS: Record<keyof MeshObjects, string[]> = {
  virtualServices: ['/apis/networking.istio.io/v1/virtualservices'],
  destinationRules: ['/apis/networking.istio.io/v1/destinationrules'],
  serviceEntries: ['/apis/networking.istio.io/v1/serviceentries'],
  services: ['/api/v1/services'],
  endpointSlices: ['/apis/discovery.k8s.io/v1/endpointslices'],
  authorizationPolicies: ['/apis/security.istio.io/v1/authorizationpolicies'],
  pods: [selected({ [MESH_JOIN_LABEL]: 'enabled' }), selected(MESH_MODE_LABELS.sidecar), selected(MESH_MODE_LABELS.ambient)],
};

const KIND_OF: Record<keyof MeshObjects, string> = {
  virtualServices: 'VirtualService',
  destinationRules: 'DestinationRule',
  serviceEntries: 'ServiceEntry',
  services: 'Service',
  endpointSlices: 'EndpointSlice',
  pods: 'Pod',
  authorizationPolicies: 'AuthorizationPolicy',
};

export interface EnforcedObject {
  kind: string;
  namespace: string;
  name: string;
  generation: number | null;
  resourceVersion: string;
  /** Wall-clock time the data plane began enforcing this generation (real time, not the sandbox clock). */
  enforcedAt: string;
}

export interface ConfigSourceOptions {
  url: string;
  /** Base64 PEM of the API server's CA, as a kubeconfig's certificate-authority-data. */
  caData?: string;
  token: string;
  intervalMs?: number;
  /** Installs a snapshot (starts pod servers etc.) before it counts as enforced. */
  install(snapshot: MeshSnapshot): Promise<void>;
}

export class ConfigSource {
  private current = new MeshSnapshot(emptyObjects());
  private readonly versions = new Map<keyof MeshObjects, string>();
  private readonly enforced = new Map<string, EnforcedObject>();
  private readonly agent: http.Agent;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastError: string | undefined;
  private readonly waiters = new Set<() => void>();
  /** Kinds the API server does not serve (404): read as empty. */
  readonly unserved = new Set<string>();

  constructor(private readonly options: ConfigSourceOptions) {
    // Plain http only for a bare API server in unit tests; the sandbox's simulator serves HTTPS with its CA.
    this.agent = options.url.startsWith('https:')
      ? new https.Agent({ keepAlive: true, ...(options.caData ? { ca: Buffer.from(options.caData, 'base64') } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  snapshot(): MeshSnapshot {
    return this.current;
  }

  start(): void {
    const tick = () => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.intervalMs ?? 100);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Reads everything once now (tests, and start-up). */
  async poll(): Promise<void> {
    try {
      const lists = await Promise.all((Object.keys(LISTS) as (keyof MeshObjects)[]).map(async (key) => [key, await this.list(key)] as const));
      const changed = lists.filter(([key, items]) => this.versions.get(key) !== versionOf(items));
      if (changed.length === 0) return;
      const objects = Object.fromEntries(lists) as unknown as MeshObjects;
      const next = new MeshSnapshot(objects);
      await this.options.install(next);
      this.current = next;
      const at = new Date().toISOString();
      for (const [key, items] of changed) {
        this.versions.set(key, versionOf(items));
        const seen = new Set<string>();
        for (const item of items) {
          const id = `${KIND_OF[key]}/${item.metadata.namespace ?? ''}/${item.metadata.name}`;
          seen.add(id);
          const before = this.enforced.get(id);
          if (before?.resourceVersion === item.metadata.resourceVersion) continue;
          this.enforced.set(id, {
            kind: KIND_OF[key],
            namespace: item.metadata.namespace ?? '',
            name: item.metadata.name,
            generation: item.metadata.generation ?? null,
            resourceVersion: item.metadata.resourceVersion ?? '',
            enforcedAt: at,
          });
        }
        for (const id of [...this.enforced.keys()]) if (id.startsWith(`${KIND_OF[key]}/`) && !seen.has(id)) this.enforced.delete(id);
      }
      this.lastError = undefined;
      for (const wake of [...this.waiters]) wake();
    } catch (err) {
      // The last good snapshot stays in force, as Envoy keeps its config when istiod is unreachable.
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** What is enforced, object by object (pods left out: they are endpoints, not configuration). */
  status(): { objects: EnforcedObject[]; lastError?: string; unserved: string[] } {
    const objects = [...this.enforced.values()]
      .filter((o) => o.kind !== 'Pod')
      .sort((a, b) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`));
    return { objects, ...(this.lastError ? { lastError: this.lastError } : {}), unserved: [...this.unserved] };
  }

  /** Resolves once an object's generation (or a later one) is enforced. */
  async waitFor(kind: string, namespace: string, name: string, generation: number): Promise<EnforcedObject> {
    for (;;) {
      const found = this.enforced.get(`${kind}/${namespace}/${name}`);
      if (found && (found.generation ?? 0) >= generation) return found;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  async close(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    clearTimeout(timer);
    await this.running;
    this.agent.destroy();
    for (const wake of [...this.waiters]) wake();
  }

  private async list(key: keyof MeshObjects): Promise<KubeObject[]> {
    const lists = await Promise.all(LISTS[key].map((path) => this.get(key, path)));
    if (lists.length === 1) return lists[0]!;
    const byId = new Map<string, KubeObject>();
    for (const item of lists.flat()) byId.set(`${item.metadata.namespace}/${item.metadata.name}`, item);
    return [...byId.values()];
  }

  private get(key: keyof MeshObjects, path: string): Promise<KubeObject[]> {
    const url = new URL(path, this.options.url);
    return new Promise((resolve, reject) => {
      const transport = url.protocol === 'https:' ? https : http;
      const req = transport.request(
        url,
        { agent: this.agent, headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' }, timeout: 5000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 404) {
              this.unserved.add(KIND_OF[key]);
              return resolve([]);
            }
            this.unserved.delete(KIND_OF[key]);
            if (res.statusCode !== 200) return reject(new Error(`GET ${url.pathname} answered ${res.statusCode}`));
            try {
              resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')).items ?? []) as KubeObject[]);
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }
}

const versionOf = (items: KubeObject[]) => items.map((i) => `${i.metadata.uid ?? i.metadata.name}@${i.metadata.resourceVersion ?? ''}`).join(',');

function emptyObjects(): MeshObjects {
  return { virtualServices: [], destinationRules: [], serviceEntries: [], services: [], endpointSlices: [], pods: [], authorizationPolicies: [] };
}
