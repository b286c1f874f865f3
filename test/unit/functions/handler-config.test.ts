import { afterEach, describe, expect, it, vi } from 'vitest';

const environment = {
  AWS_REGION: 'us-gov-west-1',
  STATE_TABLE: 'state',
  AUDIT_TABLE: 'audit',
  HMS_CLUSTERS: 'agency-prod',
  HMS_ACTOR: 'role/hms-sys-scaler',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('a Lambda entry', () => {
  it.each(['api', 'scaler', 'reconciler'])('%s fails at init, naming a missing variable', async (name) => {
    for (const [key, value] of Object.entries(environment)) vi.stubEnv(key, value);
    vi.stubEnv('AUDIT_TABLE', '');
    await expect(import(`../../../functions/${name}/handler.ts`)).rejects.toThrow('environment variable AUDIT_TABLE is required');
  });

  it('loads with the environment the stack sets, touching no AWS service', async () => {
    for (const [key, value] of Object.entries(environment)) vi.stubEnv(key, value);
    const entry = await import('../../../functions/scaler/handler.ts');
    expect(typeof entry.handler).toBe('function');
  });
});
