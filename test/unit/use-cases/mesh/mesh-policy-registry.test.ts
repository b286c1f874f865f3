import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotAllowedError, UnprocessableError, ValidationError } from '#domain/errors.ts';
import { breakerAlarmName } from '#domain/mesh/breaker-alarm.ts';
import { applyManifest, applyPolicy } from '#use-cases/mesh/apply.ts';
import { getRegistryEntry, listRegistry } from '#use-cases/mesh/registry.ts';
import { memoryMeshPorts } from '../memory-mesh-ports.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../fixtures/seeds');
const seed = (file: string) => fs.readFileSync(`${SEEDS}/${file}`, 'utf8');
const caller = { actor: 'alice', requestId: 'r-1' };
type Ports = ReturnType<typeof memoryMeshPorts>['ports'];

async function chapter7(): Promise<Ports> {
  const { ports } = memoryMeshPorts();
  await applyManifest(ports, caller, seed('fraud-scanner.yaml'), { dryRun: false });
  await applyManifest(ports, caller, seed('return-intake.yaml'), { dryRun: false });
  return ports;
}

describe('applyPolicy: chapter 7’s irs-fraud.yml', () => {
  it('a source or destination not in the registry is a 422 naming spec.source or spec.destination, and nothing is stored', async () => {
    const { ports } = memoryMeshPorts();
    const err = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableError);
    expect((err as UnprocessableError).field).toBe('spec.source');
    await applyManifest(ports, caller, seed('return-intake.yaml'), { dryRun: false });
    const again = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false }).catch((e: unknown) => e);
    expect((again as UnprocessableError).field).toBe('spec.destination');
    expect(await ports.meshStore.list('policy')).toEqual([]);
  });

  it('applies live to the destination’s VirtualService and DestinationRule only: no Deployment is written, the breaker alarm is set', async () => {
    const ports = await chapter7();
    const before = [...ports.mesh.writes];
    const uid = ports.mesh.objects.get('Deployment/irs/fraud-scanner')?.object.metadata.uid;
    const result = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false });
    const written = ports.mesh.writes.slice(before.length);
    expect(written.every((w) => w.includes('/fraud-scanner'))).toBe(true);
    expect(written.some((w) => w.startsWith('apply VirtualService/'))).toBe(true);
    expect(written.some((w) => w.startsWith('apply DestinationRule/'))).toBe(true);
    expect(written.some((w) => w.includes('Deployment/'))).toBe(false);
    expect(ports.mesh.objects.get('Deployment/irs/fraud-scanner')?.object.metadata.uid).toBe(uid);
    const vs = JSON.stringify(ports.mesh.objects.get('VirtualService/irs/fraud-scanner')?.object);
    expect(vs).toContain('"sourceLabels":{"app":"return-intake"}');
    expect(ports.metrics.alarms.has(breakerAlarmName('fraud-scanner'))).toBe(true);
    expect(result.steps.map((s) => s.text)).toEqual([
      'TrafficPolicy fraud-scan-policy stored',
      expect.stringMatching(/^Applied live to fraud-scanner: .*VirtualService configured.*\(no pod restarted\)$/),
      expect.stringContaining('Breaker alarm hms-sys-mesh-fraud-scanner-breaker set'),
    ]);
    expect(await ports.auditOutbox.list(10)).toEqual([]);
  });

  it('the same policy again changes nothing; a dry run stores nothing', async () => {
    const ports = await chapter7();
    await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false });
    const writes = ports.mesh.writes.length;
    const records = ports.audit.records.length;
    const again = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false });
    expect(again.objects.every((o) => o.action === 'unchanged')).toBe(true);
    expect([ports.mesh.writes.length, ports.audit.records.length]).toEqual([writes, records]);
    const dry = await applyPolicy(ports, caller, seed('policies/irs-fraud.yml').replace('retries: 3', 'retries: 4'), { dryRun: true });
    expect(dry.objects.some((o) => o.action === 'configured')).toBe(true);
    expect((await ports.meshStore.get('policy', 'fraud-scan-policy'))?.policy.spec.retries).toBe(3);
  });

  it('POST /manifests with a TrafficPolicy delegates to it; POST /policies with a service file is a 400 naming kind', async () => {
    const ports = await chapter7();
    const result = await applyManifest(ports, caller, seed('policies/irs-fraud.yml'), { dryRun: false });
    expect(result.kind).toBe('TrafficPolicy');
    const err = await applyPolicy(ports, caller, seed('receipt.hms.yml'), { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('kind');
  });
});

describe('the registry and discovery', () => {
  it('an entry has the mesh URL, the cluster DNS name and the Ready endpoints read from the cluster now', async () => {
    const ports = await chapter7();
    ports.mesh.setEndpoints('irs', 'fraud-scanner', [{ address: '10.1.0.7', port: 80, pod: 'fraud-scanner-1' }]);
    const entry = await getRegistryEntry(ports, 'fraud-scanner');
    expect(entry).toMatchObject({
      meshUrl: 'http://fraud-scanner.mesh:80',
      clusterDns: 'fraud-scanner.irs.svc.cluster.local',
      endpoints: [{ address: '10.1.0.7' }],
    });
    ports.mesh.setEndpoints('irs', 'fraud-scanner', [{ address: '10.1.0.9', port: 80 }]);
    expect((await getRegistryEntry(ports, 'fraud-scanner')).endpoints.map((e) => e.address)).toEqual(['10.1.0.9']);
    expect((await listRegistry(ports)).map((e) => e.name)).toEqual(['fraud-scanner', 'return-intake']);
  });

  it('another namespace is discovered only where a policy allows it', async () => {
    const ports = await chapter7();
    await applyManifest(ports, caller, seed('manifests/notification.yaml').replace('  port: 7000', '  port: 7000\n  namespace: fema'), { dryRun: false });
    const err = await getRegistryEntry(ports, 'fraud-scanner', { from: 'notification-svc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotAllowedError);
    expect((err as NotAllowedError).body().error).toMatchObject({ code: 'cross_namespace_denied', field: 'from' });
    expect((await listRegistry(ports, { from: 'notification-svc' })).map((e) => e.name)).toEqual(['notification-svc']);
    expect((await listRegistry(ports, { from: 'return-intake' })).map((e) => e.name)).toEqual(['fraud-scanner', 'return-intake']);
    const policy = seed('policies/irs-fraud.yml').replace('source: return-intake', 'source: notification-svc').replace('fraud-scan-policy', 'fema-fraud');
    await applyPolicy(ports, caller, policy, { dryRun: false });
    expect((await getRegistryEntry(ports, 'fraud-scanner', { from: 'notification-svc' })).name).toBe('fraud-scanner');
  });
});
