import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '#sandbox/sandbox.ts';
import { DRAINER_RECORDED_REASON } from '#use-cases/drain-audit-outbox.ts';
import { updateRule } from '#use-cases/rules.ts';
import { Crash } from '../unit/use-cases/crash-harness.ts';
import { adminHttp, restartOptions, SCALING_RULE } from './restart-fixture.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-outbox-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a change whose writer stopped before its audit record', () => {
  it('is recorded, once, when the sandbox starts again on the same data folder', async () => {
    const first = await startSandbox(restartOptions(dataDir));
    let ruleId: string;
    try {
      const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };
      const service = { name: 'eligibility-api', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags };
      expect((await adminHttp(first, 'POST', '/services', service)).status).toBe(201);
      const created = await adminHttp(first, 'POST', '/autoscale-rules', SCALING_RULE);
      expect(created.status).toBe(201);
      ruleId = created.body.ruleId;
      // The API's own use case, on the sandbox's own stores, killed just before its audit append:
      // the rule and its alarms are updated and its intent is in the outbox, but no record is
      // written (nor, the process being dead, is the intent deleted). The change stands, so it answers.
      const crash = new Crash('audit.append');
      const ports = crash.wrapAll(first.wiring.ports, ['store', 'ledger', 'audit', 'auditOutbox', 'cluster', 'metrics']);
      const caller = { actor: 'user/dev-admin', requestId: 'req-killed' };
      expect(await updateRule(ports, caller, ruleId, { minReplicas: 6 }, { dryRun: false })).toMatchObject({ minReplicas: 6 });
      expect(crash.killed).toBe(true);
      expect((await first.wiring.ports.auditOutbox.list(10)).map((p) => p.entry.action)).toEqual(['rule.update']);
    } finally {
      await first.close();
    }

    const second = await startSandbox(restartOptions(dataDir));
    try {
      expect((await adminHttp(second, 'GET', `/autoscale-rules/${ruleId}`)).body).toMatchObject({ minReplicas: 6, version: 2 });
      const audit = await adminHttp(second, 'GET', '/audit?service=eligibility-api&limit=50');
      const updates = (audit.body.records as { action: string; outcome: string; reasons: string[]; requestId: string }[]).filter(
        (r) => r.action === 'rule.update',
      );
      expect(updates).toEqual([
        expect.objectContaining({ outcome: 'success', requestId: 'req-killed', reasons: expect.arrayContaining([DRAINER_RECORDED_REASON]) }),
      ]);
      expect((await adminHttp(second, 'GET', '/audit/verify?service=eligibility-api')).body).toMatchObject({ intact: true });
    } finally {
      await second.close();
    }
  });
});
