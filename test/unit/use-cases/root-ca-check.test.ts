import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#domain/mesh/kube-resources.ts';
import { checkRootCa, ROOT_CA_EXPIRING } from '#use-cases/mesh/root-ca-check.ts';
import { MemoryMeshCluster } from './memory-mesh-cluster.ts';
import { MemoryMeshStore } from './memory-mesh-store.ts';
import { memoryPorts } from './memory-ports.ts';

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const NOW = new Date('2026-12-03T06:00:00Z');
const caller = { actor: 'role/hms-sys-mesh', requestId: 'MeshRootCaCheck-1' };

/** A real self-signed CA certificate (as istiod makes one) that expires `days` after NOW. */
async function rootCert(days: number, name = 'O=cluster.local'): Promise<{ pem: string; fingerprint: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date(NOW.getTime() - 3_600 * DAY_MS),
    notAfter: new Date(NOW.getTime() + days * DAY_MS),
    keys: keys as webcrypto.CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  // Computed by @peculiar/x509, not by node:crypto as the check does: colon-separated upper-case hex, as openssl prints it.
  const thumbprint = Buffer.from(await cert.getThumbprint('SHA-256'));
  return { pem: cert.toString('pem'), fingerprint: [...thumbprint].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':') };
}

function setup() {
  const { ports: core, clock } = memoryPorts(NOW);
  const mesh = new MemoryMeshCluster();
  const meshConfig = {
    mode: 'sidecar' as const,
    trustDomain: 'cluster.local',
    defaultNamespace: 'irs',
    managedNamespaces: ['irs', 'ssa'],
    defaultCluster: 'sandbox',
    istioNamespace: 'istio-system',
  };
  const ports = { ...core, mesh, meshStore: new MemoryMeshStore(), meshConfig };
  /** Istio's objects, written by istiod (another field manager), never by hms-sys. */
  const istiod = (object: KubeObject) => mesh.applyAs('istiod', object);
  const rootConfigMap = (namespace: string, pem: string) =>
    istiod({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace }, data: { 'root-cert.pem': pem } } as KubeObject);
  const cacerts = (data: Record<string, string>) =>
    istiod({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'cacerts', namespace: 'istio-system' },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    } as KubeObject);
  return { ports, clock, mesh, rootConfigMap, cacerts };
}

describe('the mesh root CA check', () => {
  it('alerts on a root 20 days from expiry through the operator event and the audit, naming every place it sits', async () => {
    const { ports, rootConfigMap } = setup();
    const root = await rootCert(20);
    await rootConfigMap('irs', root.pem);
    await rootConfigMap('ssa', root.pem);
    const result = await checkRootCa(ports, caller);
    expect(result.alerted).toEqual([root.fingerprint]);
    expect(result.certificates).toMatchObject([{ cluster: 'sandbox', daysLeft: 20, expired: false, alert: true }]);
    expect(ports.events.published).toEqual([
      {
        detailType: ROOT_CA_EXPIRING,
        detail: expect.objectContaining({
          cluster: 'sandbox',
          fingerprintSha256: root.fingerprint,
          daysLeft: 20,
          expired: false,
          notAfter: new Date(NOW.getTime() + 20 * DAY_MS).toISOString(),
          sources: ['ConfigMap irs/istio-ca-root-cert', 'ConfigMap ssa/istio-ca-root-cert'],
        }),
        resources: ['cluster/sandbox'],
      },
    ]);
    const records = (await ports.audit.list({ limit: 10 })).records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'mesh.root-ca.expiring',
      actor: caller.actor,
      target: `mesh-root-ca/sandbox/${root.fingerprint}`,
      outcome: 'success',
    });
    expect(records[0]?.reasons.join(' ')).toContain('does not mint or rotate it');
    expect(result.missing).toEqual([]);
  });

  it('alerts once a day however often it runs, and again the next day', async () => {
    const { ports, clock, rootConfigMap } = setup();
    const root = await rootCert(10);
    await rootConfigMap('irs', root.pem);
    await checkRootCa(ports, caller);
    clock.current = new Date(NOW.getTime() + 6 * 3_600_000);
    const later = await checkRootCa(ports, caller);
    expect(later.alerted).toEqual([]);
    expect(later.alreadyAlerted).toEqual([root.fingerprint]);
    expect(ports.events.published).toHaveLength(1);
    clock.current = new Date(NOW.getTime() + DAY_MS);
    const nextDay = await checkRootCa(ports, caller);
    expect(nextDay.alerted).toEqual([root.fingerprint]);
    expect(ports.events.published.map((e) => e.detail.daysLeft)).toEqual([10, 9]);
  });

  it('says nothing about a root far from expiry, and reports its expiry', async () => {
    const { ports, rootConfigMap } = setup();
    const root = await rootCert(400);
    await rootConfigMap('irs', root.pem);
    const result = await checkRootCa(ports, caller);
    expect(result.certificates).toMatchObject([{ fingerprint: root.fingerprint, daysLeft: 400, alert: false }]);
    expect(ports.events.published).toEqual([]);
    expect((await ports.audit.list({ limit: 10 })).records).toEqual([]);
  });

  it("never reads the cacerts Secret (it holds the CA's key, ca-key.pem): only istio-ca-root-cert, which holds the root", async () => {
    const { ports, mesh, rootConfigMap, cacerts } = setup();
    const root = await rootCert(3_000, 'CN=Agency Root CA');
    const signing = await rootCert(-2, 'CN=Istio intermediate');
    await cacerts({ 'root-cert.pem': root.pem, 'ca-cert.pem': signing.pem, 'ca-key.pem': 'the signing key' });
    await rootConfigMap('irs', root.pem);
    const read: string[] = [];
    const get = mesh.get.bind(mesh);
    mesh.get = (cluster, ref) => {
      read.push(`${ref.kind} ${ref.namespace}/${ref.name}`);
      return get(cluster, ref);
    };
    const result = await checkRootCa(ports, caller);
    expect(read).toEqual(['ConfigMap irs/istio-ca-root-cert', 'ConfigMap ssa/istio-ca-root-cert']);
    expect(result.certificates).toMatchObject([{ fingerprint: root.fingerprint, sources: ['ConfigMap irs/istio-ca-root-cert'], alert: false }]);
    expect(result.missing).toEqual([{ cluster: 'sandbox', source: 'ConfigMap ssa/istio-ca-root-cert' }]);
    expect(ports.events.published).toEqual([]);
  });

  it('reads every certificate of a bundle (old and new roots during a rotation)', async () => {
    const { ports, rootConfigMap } = setup();
    const [old, fresh] = [await rootCert(5, 'O=old'), await rootCert(3_650, 'O=new')];
    await rootConfigMap('irs', `${old.pem}\n${fresh.pem}`);
    const result = await checkRootCa(ports, caller);
    expect(result.certificates.map((c) => [c.subject, c.alert])).toEqual([
      ['O=old', true],
      ['O=new', false],
    ]);
    expect(result.alerted).toEqual([old.fingerprint]);
  });

  it('gives the claim back when the event cannot be published, so the next run alerts', async () => {
    const { ports, rootConfigMap } = setup();
    const root = await rootCert(1);
    await rootConfigMap('irs', root.pem);
    ports.events.failNext = 1;
    await expect(checkRootCa(ports, caller)).rejects.toThrow('EventBridge refused');
    expect((await ports.audit.list({ limit: 10 })).records).toEqual([]);
    const retried = await checkRootCa(ports, caller);
    expect(retried.alerted).toEqual([root.fingerprint]);
    expect(ports.events.published).toHaveLength(1);
  });

  it('reports a ConfigMap that holds no certificate instead of failing the check', async () => {
    const { ports, rootConfigMap } = setup();
    const root = await rootCert(15);
    await rootConfigMap('irs', 'not a certificate');
    await rootConfigMap('ssa', root.pem);
    const result = await checkRootCa(ports, caller);
    expect(result.unreadable).toEqual([{ cluster: 'sandbox', source: 'ConfigMap irs/istio-ca-root-cert', problem: 'holds no PEM certificate' }]);
    expect(result.alerted).toEqual([root.fingerprint]);
  });

  it('checks each cluster a registered service runs on', async () => {
    const { ports, rootConfigMap } = setup();
    await rootConfigMap('irs', (await rootCert(12)).pem);
    await ports.meshStore.put('service', { name: 'receipt-svc', cluster: 'east' } as never, null);
    const result = await checkRootCa(ports, caller);
    // The fake answers every cluster alike, so the same root is read (and alerted) on each.
    expect(result.certificates.map((c) => c.cluster)).toEqual(['sandbox', 'east']);
    expect(ports.events.published.map((e) => e.detail.cluster)).toEqual(['sandbox', 'east']);
  });
});
