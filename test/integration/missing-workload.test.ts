import { describe, expect, it } from 'vitest';
import { sendKubeRequest } from '#adapters/aws/kubernetes-request.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();
const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };
const registration = (name: string, deployment: string) => ({ name, cluster: 'sandbox', namespace: 'benefits', deployment, tags });

/** Deletes a Deployment through the simulator's REST API, as `kubectl delete deploy` does. */
async function deleteDeployment(namespace: string, name: string) {
  const { url, caData, token } = sb.sandbox.k8s;
  const answer = await sendKubeRequest({ url, caData }, token, { method: 'DELETE', path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}` }, 5_000);
  if (answer.status !== 200) throw new Error(`DELETE of ${namespace}/${name} answered ${answer.status}`);
}

const auditActions = async () => ((await sb.http('GET', '/audit?limit=200')).body.records as Array<{ action: string }>).map((r) => r.action);

describe('a service whose Deployment does not exist', () => {
  it('is refused at registration with 422 naming deployment, and nothing is stored', async () => {
    const answer = await sb.http('POST', '/services', registration('ghost', 'no-such-deployment'));
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      error: { code: 'workload_not_found', message: expect.stringContaining('benefits/no-such-deployment'), field: 'deployment' },
    });
    expect((await sb.http('GET', '/services/ghost')).status).toBe(404);
    const dryRun = await sb.http('POST', '/services?dryRun=true', registration('ghost', 'no-such-deployment'));
    expect(dryRun.status).toBe(422);
  });

  it('is refused with 503, not accepted, while the cluster cannot be reached', async () => {
    sb.sandbox.k8s.injectFault({ pathIncludes: '/deployments/receipt-svc', status: 503, times: 100 });
    try {
      const answer = await sb.http('POST', '/services', registration('receipts', 'receipt-svc'));
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('cluster_unavailable');
    } finally {
      sb.sandbox.k8s.clearFaults();
    }
    expect((await sb.http('GET', '/services/receipts')).status).toBe(404);
  });

  it('is refused with 503 naming the hms-sys rbac command when RBAC forbids hms-sys to read it', async () => {
    sb.sandbox.k8s.injectFault({ pathIncludes: '/deployments/fema-portal', status: 403, times: 100 });
    try {
      const answer = await sb.http('POST', '/services', { ...registration('portal', 'fema-portal'), namespace: 'fema' });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({ code: 'cluster_forbidden', message: expect.stringContaining('hms-sys rbac --namespaces fema'), field: null });
    } finally {
      sb.sandbox.k8s.clearFaults();
    }
    expect((await sb.http('GET', '/services/portal')).status).toBe(404);
  });
});

describe('a Deployment deleted after its service was registered', () => {
  let ruleId = '';
  let burstId = '';

  it('is set up: notification-svc registered with a rule and a budget, then its Deployment deleted', async () => {
    expect((await sb.service('notification-svc')).status).toBe(201);
    ({ ruleId } = await sb.rule({
      service: 'notification-svc',
      minReplicas: 2,
      maxReplicas: 10,
      trigger: { metric: 'http_rps', threshold: 500 },
    }));
    expect((await sb.http('POST', '/budgets/notification-svc', { monthlyUSD: 500 })).status).toBe(200);
    expect((await sb.service('eligibility-api')).status).toBe(201);
    const startAt = new Date(Date.now() + 3_600_000).toISOString();
    const burst = await sb.http('POST', '/bursts', { service: 'eligibility-api', fromPods: 2, toPods: 4, maxCostPerHourUSD: 50, holdMinutes: 30, startAt });
    expect(burst.status).toBe(201);
    burstId = burst.body.burstId;
    await deleteDeployment('benefits', 'notification-svc');
    await deleteDeployment('benefits', 'eligibility-api');
  });

  const missing = { code: 'workload_not_found', message: expect.stringContaining('notification-svc'), field: 'deployment' };

  it('answers POST /budgets/{name} with 404 naming it, keeping the old budget and writing no audit record', async () => {
    const before = await auditActions();
    const answer = await sb.http('POST', '/budgets/notification-svc', { monthlyUSD: 900 });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    const listed = (await sb.http('GET', '/budgets')).body.budgets as Array<{ service: string; monthlyUSD: number }>;
    expect(listed.find((b) => b.service === 'notification-svc')?.monthlyUSD).toBe(500);
    expect(await auditActions()).toEqual(before);
  });

  it('stores no budget at all for a service whose Deployment is gone', async () => {
    const answer = await sb.http('POST', '/budgets/eligibility-api', { monthlyUSD: 100 });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('workload_not_found');
    const listed = (await sb.http('GET', '/budgets')).body.budgets as Array<{ service: string }>;
    expect(listed.map((b) => b.service)).not.toContain('eligibility-api');
  });

  it('answers GET /budgets/{name} with 404 naming it', async () => {
    const answer = await sb.http('GET', '/budgets/notification-svc');
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
  });

  it('answers POST /services/{name}/scale with 404 naming it, writing nothing', async () => {
    const before = await auditActions();
    const answer = await sb.http('POST', '/services/notification-svc/scale', { replicas: 5 });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    expect(sb.sandbox.k8s.state.deployment('benefits', 'notification-svc')).toBeUndefined();
    expect(await auditActions()).toEqual(before);
  });

  it('answers POST /bursts with 404 naming it, planning no burst', async () => {
    const answer = await sb.http('POST', '/bursts', { service: 'notification-svc', fromPods: 2, toPods: 6, maxCostPerHourUSD: 50, holdMinutes: 30 });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    expect((await sb.http('GET', `/bursts/BU-${Number(burstId.slice(3)) + 1}`)).status).toBe(404);
  });

  const alarmCount = () => sb.sandbox.alarms.snapshot().alarms.length;

  it('answers POST /autoscale-rules with 404 naming it, storing no rule, alarm or audit record', async () => {
    const [before, alarms] = [await auditActions(), alarmCount()];
    const answer = await sb.http('POST', '/autoscale-rules', {
      service: 'notification-svc',
      minReplicas: 1,
      maxReplicas: 4,
      trigger: { metric: 'http_rps', threshold: 100 },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    expect((await sb.http('GET', '/autoscale-rules?service=notification-svc')).body.rules.map((r: { ruleId: string }) => r.ruleId)).toEqual([ruleId]);
    expect(alarmCount()).toBe(alarms);
    expect(await auditActions()).toEqual(before);
  });

  it('answers PATCH /autoscale-rules/{id} with 404 naming it, keeping the rule as it was', async () => {
    const [before, rule] = [await auditActions(), (await sb.http('GET', `/autoscale-rules/${ruleId}`)).body];
    const answer = await sb.http('PATCH', `/autoscale-rules/${ruleId}`, { maxReplicas: 12 });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    expect((await sb.http('GET', `/autoscale-rules/${ruleId}`)).body).toEqual(rule);
    expect(await auditActions()).toEqual(before);
  });

  it('answers PATCH /services/{name} with 404 naming it, keeping the service as it was', async () => {
    const [before, service] = [await auditActions(), (await sb.http('GET', '/services/notification-svc')).body];
    const answer = await sb.http('PATCH', '/services/notification-svc', { podHourUSD: 0.2, tags: { program: 'Other' } });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
    expect((await sb.http('GET', '/services/notification-svc')).body).toEqual(service);
    expect(await auditActions()).toEqual(before);
  });

  it('answers GET /rules/{id}/status with 404 naming it, not 503', async () => {
    const answer = await sb.http('GET', `/rules/${ruleId}/status`);
    expect(answer.status).toBe(404);
    expect(answer.body.error).toEqual(missing);
  });

  it('still lets the rule, the budget, a planned burst and the services themselves be deleted', async () => {
    const cancelled = await sb.http('DELETE', `/bursts/${burstId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await sb.http('DELETE', `/autoscale-rules/${ruleId}`)).status).toBe(200);
    expect((await sb.http('DELETE', '/budgets/notification-svc')).status).toBe(200);
    expect((await sb.http('DELETE', '/services/notification-svc')).status).toBe(200);
    expect((await sb.http('DELETE', '/services/eligibility-api')).status).toBe(200);
    expect((await sb.http('GET', '/services/notification-svc')).status).toBe(404);
  });
});
