import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '#domain/errors.ts';
import type { MeshService, RegistryEntry } from '#domain/mesh/canonical.ts';
import { clusterDnsOf, meshUrlOf } from '#domain/mesh/canonical.ts';
import { parseManifest } from '#domain/mesh/manifest-parse.ts';
import { reapplyService } from '#use-cases/mesh/reapply.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const caller = { actor: 'alice', requestId: 'r-1' };

function seeded(file: string) {
  const { ports, clock } = memoryMeshPorts();
  const manifest = parseManifest(fs.readFileSync(`${SEEDS}/${file}`, 'utf8'), { defaultNamespace: 'irs' }).document as MeshService;
  const { name, namespace } = manifest.metadata;
  const entry: RegistryEntry = {
    name,
    namespace,
    cluster: 'sandbox',
    port: manifest.spec.port,
    routes: manifest.spec.routes,
    meshUrl: meshUrlOf(name, manifest.spec.port),
    clusterDns: clusterDnsOf(name, namespace),
    mtls: manifest.spec.mtls,
    manifest,
    objects: [],
    appliedAt: clock.now().toISOString(),
    appliedBy: 'alice',
    version: 1,
  };
  return { ports, clock, entry };
}

describe('reapplyService', () => {
  it('applies every rendered object, audited, and a repeat finds them all unchanged with nothing recorded', async () => {
    const { ports, entry } = seeded('receipt.hms.yml');
    await ports.meshStore.put('service', entry, null);
    const first = await reapplyService(ports, 'receipt-svc', caller, { dryRun: false, why: 'test' });
    expect(first.length).toBeGreaterThan(3);
    expect(first.every((c) => c.action === 'created')).toBe(true);
    expect(ports.mesh.objects.size).toBe(first.length);
    const records = ports.audit.records.filter((r) => r.stream === 'service#receipt-svc');
    expect(records.map((r) => `${r.action} ${r.outcome}`)).toEqual(first.map(() => 'mesh.apply success'));
    const writes = ports.mesh.writes.length;
    const second = await reapplyService(ports, 'receipt-svc', caller, { dryRun: false, why: 'test' });
    expect(second.map((c) => c.action)).toEqual(first.map(() => 'unchanged'));
    expect(ports.mesh.writes.length).toBe(writes);
    expect(await ports.auditOutbox.list(10)).toEqual([]);
  });

  it('a pause stored for the service reaches its VirtualService as a 503 route, with no other object touched', async () => {
    const { ports, entry, clock } = seeded('receipt.hms.yml');
    await ports.meshStore.put('service', entry, null);
    await reapplyService(ports, 'receipt-svc', caller, { dryRun: false, why: 'first' });
    const at = clock.now().toISOString();
    const until = new Date(clock.now().getTime() + 30 * 60_000).toISOString();
    await ports.meshStore.put('pause', { service: 'receipt-svc', namespace: 'irs', until, by: 'alice', createdAt: at, version: 1 }, null);
    const changes = await reapplyService(ports, 'receipt-svc', caller, { dryRun: false, why: 'paused' });
    expect(changes.filter((c) => c.action !== 'unchanged').map((c) => c.ref.kind)).toEqual(['VirtualService']);
    const vs = await ports.mesh.get('sandbox', changes.find((c) => c.ref.kind === 'VirtualService')!.ref);
    expect(JSON.stringify(vs)).toContain('Service Paused');
  });

  it('an unregistered service is a 404 naming service', async () => {
    const { ports } = seeded('receipt.hms.yml');
    const err = await reapplyService(ports, 'nobody', caller, { dryRun: false, why: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).field).toBe('service');
  });
});
