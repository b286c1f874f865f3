import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '#domain/audit.ts';
import { ConflictError } from '#domain/errors.ts';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { applyManifest } from '#use-cases/mesh/apply.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };
const apply = (ports: ReturnType<typeof memoryMeshPorts>['ports'], text: string, dryRun = false) => applyManifest(ports, caller, text, { dryRun });
const kinds = (ports: ReturnType<typeof memoryMeshPorts>['ports']) => [...ports.mesh.objects.keys()].sort();
const live = (ports: ReturnType<typeof memoryMeshPorts>['ports'], key: string): KubeObject => ports.mesh.objects.get(key)!.object;

function fresh() {
  const { ports, clock } = memoryMeshPorts();
  ports.cluster.replicas = 1; // a new Deployment starts at the API server's default of 1
  return { ports, clock };
}

describe('applyManifest: chapter 12’s receipt.hms.yml', () => {
  it('applies the objects, registers the service, sets the autoscale rule, raises it to scaling.min, and prints only what happened', async () => {
    const { ports } = fresh();
    const result = await apply(ports, seed('receipt.hms.yml'));
    expect(result.steps.map((s) => s.text)).toEqual([
      'Registered in service mesh',
      expect.stringMatching(/^Applied 6 objects \(6 created\)$/),
      'Auto-scaler set (2-10)',
      expect.stringContaining('mTLS STRICT'),
      'Scaled to 2 pods (scaling.min)',
      // The in-memory cluster runs no Deployment controller: no status, so nothing is claimed ready.
      '0/1 pods of ghcr.io/gov/receipt:1.0 ready; the rollout goes on (waiting for the deployment spec update to be observed)',
    ]);
    expect(result.steps.at(-1)?.ok).toBe(false);
    expect(result.serviceUrl).toBe('http://receipt-svc.mesh/receipt');
    expect(result.meshUrl).toBe('http://receipt-svc.mesh:3000');
    expect(kinds(ports)).toEqual([
      'AuthorizationPolicy/irs/receipt-svc',
      'Deployment/irs/receipt-svc',
      'PeerAuthentication/irs/receipt-svc',
      'Service/irs/receipt-svc',
      'ServiceEntry/irs/receipt-svc',
      'VirtualService/irs/receipt-svc',
    ]);
    expect((live(ports, 'Deployment/irs/receipt-svc').spec as Record<string, unknown>).replicas).toBeUndefined();
    expect(await ports.meshStore.get('service', 'receipt-svc')).toMatchObject({ namespace: 'irs', port: 3000, ruleId: 'AR-101' });
    expect(await ports.store.getService('receipt-svc')).toMatchObject({ namespace: 'irs', deployment: 'receipt-svc', cluster: 'sandbox' });
    expect(await ports.store.getRule('AR-101')).toMatchObject({ minReplicas: 2, maxReplicas: 10, trigger: { metric: 'pod_cpu_utilization', threshold: 70 } });
    expect(ports.cluster.replicas).toBe(2);
    expect(await ports.auditOutbox.list(10)).toEqual([]);
    expect(verifyChain(ports.audit.records.filter((r) => r.stream === 'service#receipt-svc'))).toBeNull();
  });

  it('a second apply of the same file changes nothing: every object unchanged, no write, no audit record', async () => {
    const { ports } = fresh();
    await apply(ports, seed('receipt.hms.yml'));
    const writes = ports.mesh.writes.length;
    const records = ports.audit.records.length;
    const entry = await ports.meshStore.get('service', 'receipt-svc');
    const again = await apply(ports, seed('receipt.hms.yml'));
    expect(again.objects.map((o) => o.action)).toEqual(again.objects.map(() => 'unchanged'));
    expect(ports.mesh.writes.length).toBe(writes);
    expect(ports.audit.records.length).toBe(records);
    expect(await ports.meshStore.get('service', 'receipt-svc')).toEqual(entry);
    expect(again.steps.map((s) => s.text)).not.toContain('Scaled to 2 pods (scaling.min)');
  });

  it('a field removed from the file is removed from the cluster', async () => {
    const { ports } = fresh();
    await apply(ports, seed('receipt.hms.yml'));
    const labels = () =>
      (live(ports, 'Deployment/irs/receipt-svc').spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    expect(labels().version).toBe('1.0.0');
    const result = await apply(ports, seed('receipt.hms.yml').replace('version: 1.0.0\n', ''));
    expect(labels()).not.toHaveProperty('version');
    expect(result.objects.find((o) => o.ref.kind === 'Deployment')?.action).toBe('configured');
  });

  it('a dry run validates every object with the server and shows the diff, and stores nothing', async () => {
    const { ports } = fresh();
    const result = await apply(ports, seed('receipt.hms.yml'), true);
    expect(result.dryRun).toBe(true);
    expect(result.objects.every((o) => o.action === 'created' && o.object && o.diff.length > 0)).toBe(true);
    expect(ports.mesh.objects.size).toBe(0);
    expect(await ports.meshStore.get('service', 'receipt-svc')).toBeNull();
    expect(ports.audit.records).toEqual([]);
  });
});

describe('applyManifest refuses before writing', () => {
  it('a scaling bound the autoscale rule would refuse is a 4xx naming the manifest’s field, with nothing applied', async () => {
    const { ports } = fresh();
    const err = await apply(ports, seed('receipt.hms.yml').replace('max: 10', 'max: 20000')).catch((e: unknown) => e);
    expect(err).toMatchObject({ field: 'scaling.max' });
    expect(ports.mesh.writes).toEqual([]);
    expect(ports.audit.records).toEqual([]);
  });
});

describe('applyManifest: chapter 10’s notification.yaml', () => {
  it('an object the file no longer asks for is pruned (the DestinationRule without circuit_breaker), audited', async () => {
    const { ports } = fresh();
    const text = seed('manifests/notification.yaml');
    await apply(ports, text);
    expect(kinds(ports)).toContain('DestinationRule/irs/notification-svc');
    const without = text.replace(/ {2}circuit_breaker:\n(?: {4}.*\n)+/, '');
    const result = await apply(ports, without);
    expect(result.objects.filter((o) => o.action === 'pruned').map((o) => o.ref.kind)).toEqual(['DestinationRule']);
    expect(kinds(ports)).not.toContain('DestinationRule/irs/notification-svc');
    expect(ports.audit.records.map((r) => r.action)).toContain('mesh.prune');
  });

  it('an object hms-sys did not create refuses the whole apply, before anything is written', async () => {
    const { ports } = fresh();
    await ports.mesh.applyAs('kubectl', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'notification-svc', namespace: 'irs' },
      spec: { hosts: ['notification-svc'] },
    });
    const writes = [...ports.mesh.writes];
    const err = await apply(ports, seed('manifests/notification.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).body().error).toMatchObject({ code: 'not_managed_by_hms_sys', field: 'VirtualService/notification-svc' });
    expect(ports.mesh.writes).toEqual(writes);
    expect(await ports.meshStore.get('service', 'notification-svc')).toBeNull();
    expect(ports.audit.records).toEqual([]);
    expect(await ports.auditOutbox.list(10)).toEqual([]);
  });

  it('a field another manager owns with another value is a 409 naming the object; hms-sys does not force it', async () => {
    const { ports } = fresh();
    await apply(ports, seed('manifests/notification.yaml'));
    const ref = 'ServiceEntry/irs/notification-svc';
    const entry = live(ports, ref);
    await ports.mesh.applyAs(
      'kubectl',
      { apiVersion: entry.apiVersion, kind: entry.kind, metadata: { name: entry.metadata.name, namespace: 'irs' }, spec: { resolution: 'NONE' } },
      { force: true },
    );
    const writes = [...ports.mesh.writes];
    // The Service (applied before the ServiceEntry) would change too: the preflight stops it being written.
    const err = await apply(ports, seed('manifests/notification.yaml').replace('port: 7000', 'port: 7001')).catch((e: unknown) => e);
    expect(ports.mesh.writes).toEqual(writes);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).body().error).toMatchObject({ code: 'field_owned_by_another_manager', field: 'ServiceEntry/notification-svc' });
    expect((live(ports, ref).spec as { resolution: string }).resolution).toBe('NONE');
  });

  it('a name registered in another namespace is a 409 naming service.name, with nothing written', async () => {
    const { ports } = fresh();
    await apply(ports, seed('manifests/notification.yaml'));
    const writes = ports.mesh.writes.length;
    const err = await apply(ports, seed('manifests/notification.yaml').replace('  port: 7000', '  port: 7000\n  namespace: fema')).catch((e: unknown) => e);
    expect((err as ConflictError).body().error).toMatchObject({ code: 'name_taken', field: 'service.name' });
    expect(ports.mesh.writes.length).toBe(writes);
  });
});
