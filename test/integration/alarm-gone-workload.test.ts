import { describe, expect, it } from 'vitest';
import { sendKubeRequest } from '#adapters/aws/kubernetes-request.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

describe('an alarm for a rule whose Deployment was deleted', () => {
  it('is audited as scale.failed and parked as a dead letter after the retries, and the sandbox keeps serving', async () => {
    expect((await sb.service('gone-api', 'benefits', 'eligibility-api')).status).toBe(201);
    const { ruleId } = (
      await sb.http('POST', '/autoscale-rules', { service: 'gone-api', minReplicas: 2, maxReplicas: 10, trigger: { metric: 'http_rps', threshold: 100 } })
    ).body;
    const { url, caData, token } = sb.sandbox.k8s;
    const deleted = await sendKubeRequest(
      { url, caData },
      token,
      { method: 'DELETE', path: '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api' },
      5_000,
    );
    expect(deleted.status).toBe(200);

    await sb.metric('gone-api', 'http_rps', 5_000);
    const failures = (await sb.http('GET', '/audit?service=gone-api')).body.records.filter((r: { action: string }) => r.action === 'scale.failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({ target: `rule/${ruleId}`, outcome: 'failure' });
    const letters = (await sb.http('GET', '/sandbox/dead-letters')).body.items as Array<{ source: string }>;
    expect(letters).toContainEqual(expect.objectContaining({ source: 'lambda/scaler' }));
    expect((await sb.http('GET', '/services/gone-api')).status).toBe(200);
  });
});
