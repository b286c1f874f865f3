import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { meshOpsFunction } from '#functions/mesh-ops/triggers.ts';
import { useSandbox } from './sandbox-fixture.ts';

const DAY_MS = 86_400_000;
const notAfter = new Date(Date.now() + 20 * DAY_MS + 3_600_000);

/** The event EventBridge delivers for the MeshRootCaCheck schedule (every 6 hours in AWS). */
const rootCaCheckEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'local',
  resources: ['arn:aws:events:local:000000000000:rule/hms-sys-MeshRootCaCheck'],
  detail: {},
});

describe('the mesh root CA check in the sandbox', () => {
  const sb = useSandbox({ meshRootCaNotAfter: notAfter });
  const runCheck = () => sb.sandbox.bus.invoke(meshOpsFunction.name, sb.sandbox.mesh.opsHandler, rootCaCheckEvent());
  const alerts = async () => {
    const { body } = await sb.http('GET', '/sandbox/events');
    return (body.items as { detailType?: string; DetailType?: string; detail?: unknown; Detail?: string }[]).filter(
      (e) => (e.detailType ?? e.DetailType) === 'Mesh Root CA Expiring',
    );
  };

  it("alerts once a day on the simulated mesh's root 20 days from expiry: an event for the operator topic and an audit record", async () => {
    const requested: string[] = [];
    sb.sandbox.k8s.onRequest((e) => requested.push(`${e.method} ${e.path}`));
    const first = await runCheck();
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ alerted: [expect.any(String)], alreadyAlerted: [] });
    const result = first.result as { certificates: { daysLeft: number; notAfter: string; sources: string[] }[] };
    // Read from istiod's ConfigMap in every managed namespace, and never from the cacerts Secret (it holds ca-key.pem).
    expect(result.certificates).toHaveLength(1);
    const root = result.certificates[0];
    // Each managed namespace's ConfigMap: read, or reported missing where the namespace has none (istiod has not reached it).
    const missing = (first.result as { missing: { source: string }[] }).missing.map((m) => m.source);
    expect([...(root?.sources ?? []), ...missing].sort()).toEqual(['benefits', 'default', 'fema', 'irs'].map((ns) => `ConfigMap ${ns}/istio-ca-root-cert`));
    expect(root?.sources.length).toBeGreaterThan(0);
    expect(requested.filter((r) => /\/secrets|istio-system/.test(r))).toEqual([]);
    expect(requested.filter((r) => r.includes('/configmaps/istio-ca-root-cert'))).toHaveLength(4);
    expect(root?.daysLeft).toBe(20);
    expect(root?.notAfter).toBe(new Date(Math.floor(notAfter.getTime() / 1000) * 1000).toISOString());
    expect(await alerts()).toHaveLength(1);

    const again = await runCheck();
    expect(again.result).toMatchObject({ alerted: [], alreadyAlerted: [expect.any(String)] });
    expect(await alerts()).toHaveLength(1);

    const audit = await sb.http('GET', '/audit?limit=50');
    const records = (audit.body.records as { action: string; actor: string; reasons: string[] }[]).filter((r) => r.action === 'mesh.root-ca.expiring');
    expect(records).toHaveLength(1);
    expect(records[0]?.reasons.join(' ')).toContain('in 20 days');
  });
});
