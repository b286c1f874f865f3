import { describe, expect, it } from 'vitest';
import type { Breaker, Pause, RegistryEntry, StoredPolicy } from '#domain/mesh/canonical.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { MeshStore } from '#ports/mesh-store.ts';

const at = '2026-12-03T12:00:00.000Z';

export function entry(name: string, version = 1, port = 8080): RegistryEntry {
  return {
    name,
    namespace: 'irs',
    cluster: 'local',
    port,
    routes: [{ path: '/receipt', methods: ['GET'] }],
    meshUrl: `http://${name}.mesh:${port}`,
    clusterDns: `${name}.irs.svc.cluster.local`,
    mtls: 'STRICT',
    manifest: {
      apiVersion: 'hms-sys.io/v1',
      kind: 'MeshService',
      metadata: { name, namespace: 'irs' },
      spec: { port, routes: [], mtls: 'STRICT', allowFrom: [], podLabels: {} },
    },
    objects: [{ apiVersion: 'v1', kind: 'Service', namespace: 'irs', name }],
    appliedAt: at,
    appliedBy: 'alice',
    version,
  };
}

const policy = (name: string, version = 1): StoredPolicy => ({
  name,
  policy: {
    apiVersion: 'hms-sys.io/v1',
    kind: 'TrafficPolicy',
    metadata: { name, namespace: 'irs' },
    spec: { source: 'return-intake', destination: 'fraud-scanner', retries: 3 },
  },
  appliedAt: at,
  appliedBy: 'alice',
  version,
});
const pause = (service: string, version = 1): Pause => ({ service, namespace: 'irs', until: at, by: 'alice', createdAt: at, version });
const breaker = (service: string, version = 1): Breaker => ({ service, namespace: 'irs', openedAt: at, until: at, alarm: 'a', reasons: ['why'], version });

/** What every MeshStore does, DynamoDB's and the in-memory fake alike. */
export function meshStoreContract(name: string, make: () => Promise<MeshStore>) {
  describe(`${name} honours the MeshStore contract`, () => {
    it('puts, gets and lists each kind by name, kinds kept apart', async () => {
      const store = await make();
      await store.put('service', entry('b-svc'), null);
      await store.put('service', entry('a-svc'), null);
      await store.put('policy', policy('irs-fraud'), null);
      await store.put('pause', pause('a-svc'), null);
      await store.put('breaker', breaker('b-svc'), null);
      expect(await store.get('service', 'a-svc')).toEqual(entry('a-svc'));
      expect((await store.list('service')).map((e) => e.name)).toEqual(['a-svc', 'b-svc']);
      expect(await store.list('policy')).toEqual([policy('irs-fraud')]);
      expect(await store.get('pause', 'a-svc')).toEqual(pause('a-svc'));
      expect(await store.get('pause', 'b-svc')).toBeNull();
      expect(await store.get('breaker', 'b-svc')).toEqual(breaker('b-svc'));
    });

    it('a record round-trips as JSON: undefined fields drop, and a later change to the caller’s copy is not stored', async () => {
      const store = await make();
      const record = { ...entry('a-svc'), ruleId: undefined };
      await store.put('service', record, null);
      record.routes.push({ path: '/other', methods: [] });
      const read = await store.get('service', 'a-svc');
      expect(read).not.toHaveProperty('ruleId');
      expect(read?.routes).toEqual([{ path: '/receipt', methods: ['GET'] }]);
    });

    it('a write with a stale expected version, or a create over an existing record, is a StaleVersionError', async () => {
      const store = await make();
      await store.put('service', entry('a-svc'), null);
      await expect(store.put('service', entry('a-svc', 2), null)).rejects.toBeInstanceOf(StaleVersionError);
      await store.put('service', entry('a-svc', 2, 9090), 1);
      await expect(store.put('service', entry('a-svc', 3), 1)).rejects.toBeInstanceOf(StaleVersionError);
      expect((await store.get('service', 'a-svc'))?.port).toBe(9090);
    });

    it('a delete needs the stored version; an absent record is already deleted', async () => {
      const store = await make();
      await store.put('pause', pause('a-svc', 3), null);
      await expect(store.delete('pause', 'a-svc', 2)).rejects.toBeInstanceOf(StaleVersionError);
      expect(await store.get('pause', 'a-svc')).not.toBeNull();
      await store.delete('pause', 'a-svc', 3);
      expect(await store.get('pause', 'a-svc')).toBeNull();
      await store.delete('pause', 'a-svc', 3);
      await store.delete('breaker', 'never-there', 1);
    });
  });
}
