import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '#sandbox/sandbox.ts';
import { adminHttp, restartOptions, SCALING_RULE } from './restart-fixture.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'hms-sys-clean-stop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a clean stop (Ctrl-C) during a rule delete', () => {
  it('lets the request finish, audit record included, before the stores close', async () => {
    const first = await startSandbox(restartOptions(dataDir));
    expect(
      (
        await adminHttp(first, 'POST', '/services', {
          name: 'eligibility-api',
          cluster: 'sandbox',
          namespace: 'benefits',
          deployment: 'eligibility-api',
          tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
        })
      ).status,
    ).toBe(201);
    const { ruleId } = (await adminHttp(first, 'POST', '/autoscale-rules', SCALING_RULE)).body;

    // Hold the rule delete between its state write and its audit record.
    const audit = first.wiring.ports.audit;
    const append = audit.append.bind(audit);
    let reached!: () => void;
    let release!: () => void;
    const atAudit = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    audit.append = async (...args) => {
      if (args[0].action === 'rule.delete') {
        reached();
        await gate;
      }
      return append(...args);
    };
    const deleting = adminHttp(first, 'DELETE', `/autoscale-rules/${ruleId}`);
    await atAudit;
    const closing = first.close();
    // A new connection is refused once the stop has begun.
    await expect(fetch(`${first.url}/autoscale-rules`)).rejects.toThrow();
    release();
    expect((await deleting).status).toBe(200);
    await closing;

    const second = await startSandbox(restartOptions(dataDir));
    try {
      expect((await adminHttp(second, 'GET', `/autoscale-rules/${ruleId}`)).status).toBe(404);
      const records = (await adminHttp(second, 'GET', '/audit?service=eligibility-api')).body.records as Array<{ action: string; target: string }>;
      expect(records).toContainEqual(expect.objectContaining({ action: 'rule.delete', target: `rule/${ruleId}` }));
    } finally {
      await second.close();
    }
  });
});
