/**
 * The objects the simulator keeps whole (generic-kinds.ts), by kind, namespace and name. Every
 * stored change takes the cluster's next resourceVersion, so lists, watches and Deployments share one counter.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from './request-parsing.ts';

const keyOf = (plural: string, namespace: string, name: string) => `${plural}/${namespace}/${name}`;
const metaOf = (object: Json) => object.metadata as { name: string; namespace: string; resourceVersion?: string };

export class GenericObjects {
  private readonly objects = new Map<string, Json>();
  private readonly derived = new Map<string, { content: string; meta: { uid: string; resourceVersion: string; creationTimestamp: string } }>();

  constructor(private readonly nextVersion: () => string) {}

  get(plural: string, namespace: string, name: string): Json | undefined {
    return this.objects.get(keyOf(plural, namespace, name));
  }

  /** Objects of a kind, in one namespace or all, in name order as the API lists them. */
  list(plural: string, namespace?: string): Json[] {
    const prefix = namespace === undefined ? `${plural}/` : `${plural}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, object]) => object);
  }

  /** Stores the object with a new resourceVersion, which it returns. */
  put(plural: string, object: Json): Json {
    const meta = metaOf(object);
    meta.resourceVersion = this.nextVersion();
    this.objects.set(keyOf(plural, meta.namespace, meta.name), object);
    return object;
  }

  /**
   * The metadata of an object derived rather than stored (EndpointSlices, the root-cert ConfigMaps):
   * a stable uid and creationTimestamp, and a resourceVersion that moves when its content does.
   */
  derivedMeta(key: string, content: string, now: string): { uid: string; resourceVersion: string; creationTimestamp: string } {
    const last = this.derived.get(key);
    if (last?.content === content) return last.meta;
    const meta = { uid: last?.meta.uid ?? randomUUID(), resourceVersion: this.nextVersion(), creationTimestamp: last?.meta.creationTimestamp ?? now };
    this.derived.set(key, { content, meta });
    return meta;
  }

  remove(plural: string, namespace: string, name: string): void {
    if (this.objects.delete(keyOf(plural, namespace, name))) this.nextVersion();
  }

  namespaces(): string[] {
    return [...new Set([...this.objects.values()].map((o) => metaOf(o).namespace))];
  }

  /** Every object with its plural, for the snapshot. */
  entries(): { plural: string; object: Json }[] {
    return [...this.objects.entries()].map(([key, object]) => ({ plural: key.split('/')[0]!, object }));
  }

  /** Loads saved objects as they were, resourceVersions included. */
  restore(saved: { plural: string; object: Json }[]): void {
    this.objects.clear();
    for (const { plural, object } of saved) {
      const meta = metaOf(object);
      this.objects.set(keyOf(plural, meta.namespace, meta.name), object);
    }
  }

  /** A ClusterIP from 10.96.0.0/12 (the default service CIDR) that no Service holds. */
  allocateClusterIp(): string {
    const used = new Set(this.list('services').map((s) => (s.spec as Json | undefined)?.clusterIP));
    for (let n = 10; ; n += 1) {
      const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      if (!used.has(ip)) return ip;
    }
  }
}
