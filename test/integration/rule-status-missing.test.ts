import { describe, expect, it } from 'vitest';
import { SCALING_RULE } from './restart-fixture.ts';
import { useSandbox } from './sandbox-fixture.ts';

const sb = useSandbox();

describe('GET /rules/{id}/status when an alarm does not exist', () => {
  it('names the alarm missing, and the rule missing, rather than OK', async () => {
    expect((await sb.service('eligibility-api')).status).toBe(201);
    const rule = await sb.http('POST', '/autoscale-rules', SCALING_RULE);
    expect(rule.status).toBe(201);
    const [scaleOut, scaleIn] = rule.body.alarms as string[];
    const before = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(before.body.alarms.map((a: { state: string }) => a.state)).not.toContain('missing');

    // Lost behind the rule's back, as the sandbox's in-memory alarms were on a restart before they were restored.
    await sb.sandbox.alarms.deleteAlarms([scaleIn!]);
    const status = await sb.http('GET', `/rules/${rule.body.ruleId}/status`);
    expect(status.status).toBe(200);
    expect(status.body.state).toBe('missing');
    expect(status.body.alarms).toEqual([
      { name: scaleOut, state: before.body.alarms[0].state },
      { name: scaleIn, state: 'missing' },
    ]);
  });
});
