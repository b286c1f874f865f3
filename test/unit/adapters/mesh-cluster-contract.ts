import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '#domain/mesh/canonical.ts';
import { type KubeObject, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SERVICE_LABEL } from '#domain/mesh/kube-resources.ts';
import { ClusterConflictError } from '#ports/errors.ts';
import type { MeshCluster } from '#ports/mesh-cluster.ts';

/** One MeshCluster under test, with a way to act as another field manager and to make Ready pods. */
export interface MeshClusterHarness {
  mesh: MeshCluster;
  cluster: string;
  /** A namespace that exists and is empty of the objects the suite makes. */
  namespace: string;
  /** Server-side apply as another field manager (kubectl, a controller). */
  applyAs(manager: string, object: KubeObject): Promise<void>;
  /** Makes `count` Ready pods behind Service `service` serving `port`, so its EndpointSlices list them. */
  readyPods(namespace: string, service: string, count: number, port: number): Promise<void>;
  close?(): Promise<void>;
}

const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace!, name: o.metadata.name });

const serviceEntry = (namespace: string, name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SERVICE_LABEL]: name } },
  spec: { hosts: [`${name}.mesh`], location: 'MESH_INTERNAL', resolution: 'DNS', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], ...extra },
});

const service = (namespace: string, name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SERVICE_LABEL]: name }, ...(annotations ? { annotations } : {}) },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
});

/** The behaviour every MeshCluster shows, the AWS adapter against the simulator and the in-memory fake alike. */
export function meshClusterContract(name: string, setup: () => Promise<MeshClusterHarness>) {
  describe(`${name} honours the MeshCluster contract`, () => {
    const run = (title: string, test: (h: MeshClusterHarness) => Promise<void>) =>
      it(title, async () => {
        const h = await setup();
        try {
          await test(h);
        } finally {
          await h.close?.();
        }
      });

    run('an apply creates the object, and get returns it with a uid and its labels', async (h) => {
      const applied = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'receipt-svc'));
      expect(applied.metadata.uid).toBeTruthy();
      const live = await h.mesh.get(h.cluster, refOf(applied));
      expect(live?.metadata.uid).toBe(applied.metadata.uid);
      expect(live?.metadata.labels?.[SERVICE_LABEL]).toBe('receipt-svc');
      expect((live?.spec as { hosts: string[] } | undefined)?.hosts).toEqual(['receipt-svc.mesh']);
    });

    run('a second identical apply changes nothing: same resourceVersion and generation', async (h) => {
      const first = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'receipt-svc'));
      const second = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'receipt-svc'));
      expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      expect(second.metadata.generation).toBe(first.metadata.generation);
    });

    run('a field the manager no longer sends is removed', async (h) => {
      await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'receipt-svc', { exportTo: ['.'] }));
      const after = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'receipt-svc'));
      expect(after.spec).not.toHaveProperty('exportTo');
      expect((await h.mesh.get(h.cluster, refOf(after)))?.spec).not.toHaveProperty('exportTo');
    });

    run('a dry run answers the object and stores nothing', async (h) => {
      const dry = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'dry-svc'), { dryRun: true });
      expect(dry.metadata.name).toBe('dry-svc');
      expect(await h.mesh.get(h.cluster, refOf(dry))).toBeNull();
    });

    run('changing a field another manager owns is a conflict, and nothing changes', async (h) => {
      await h.applyAs('kubectl', service(h.namespace, 'shared-svc', { team: 'irs' }));
      const before = await h.mesh.get(h.cluster, refOf(service(h.namespace, 'shared-svc')));
      await expect(h.mesh.apply(h.cluster, service(h.namespace, 'shared-svc', { team: 'fema' }))).rejects.toBeInstanceOf(ClusterConflictError);
      const after = await h.mesh.get(h.cluster, refOf(service(h.namespace, 'shared-svc')));
      expect(after?.metadata.annotations?.team).toBe('irs');
      expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    });

    run('list returns the objects of a kind that match every label, with apiVersion and kind', async (h) => {
      await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'a-svc'));
      await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'b-svc'));
      const listed = await h.mesh.list(
        h.cluster,
        { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry' },
        h.namespace,
        `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${SERVICE_LABEL}=a-svc`,
      );
      expect(listed.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([['networking.istio.io/v1', 'ServiceEntry', 'a-svc']]);
    });

    run('get of an absent object is null', async (h) => {
      expect(await h.mesh.get(h.cluster, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: h.namespace, name: 'nothing' })).toBeNull();
    });

    run('a delete checks the uid: another uid is a conflict and the object stays; the right one deletes; again is fine', async (h) => {
      const applied = await h.mesh.apply(h.cluster, serviceEntry(h.namespace, 'gone-svc'));
      const ref = refOf(applied);
      await expect(h.mesh.delete(h.cluster, ref, '00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(ClusterConflictError);
      expect(await h.mesh.get(h.cluster, ref)).not.toBeNull();
      await h.mesh.delete(h.cluster, ref, applied.metadata.uid!, { dryRun: true });
      expect(await h.mesh.get(h.cluster, ref)).not.toBeNull();
      await h.mesh.delete(h.cluster, ref, applied.metadata.uid!);
      expect(await h.mesh.get(h.cluster, ref)).toBeNull();
      await h.mesh.delete(h.cluster, ref, applied.metadata.uid!);
    });

    run("readyEndpoints lists a Service's Ready pods with its port, and none for a Service without pods", async (h) => {
      await h.readyPods(h.namespace, 'pods-svc', 2, 8080);
      const endpoints = await h.mesh.readyEndpoints(h.cluster, h.namespace, 'pods-svc');
      expect(endpoints).toHaveLength(2);
      expect(new Set(endpoints.map((e) => e.address)).size).toBe(2);
      expect(endpoints.every((e) => e.port === 8080)).toBe(true);
      expect(await h.mesh.readyEndpoints(h.cluster, h.namespace, 'no-pods-svc')).toEqual([]);
    });
  });
}
