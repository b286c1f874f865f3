import { describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '#adapters/aws/dynamodb-state-store.ts';
import type { Rule, Service } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { EventClaim } from '#ports/state-store.ts';
import { useDynalite } from './dynalite-fixture.ts';

const dynalite = useDynalite();

/** Each test gets its own table, so counters and events start fresh. */
async function freshStore(): Promise<DynamoDbStateStore> {
  const names = await dynalite.freshTables();
  return new DynamoDbStateStore({ client: dynalite.client, tableName: names.state });
}

function service(name: string, version = 1): Service {
  return {
    name,
    cluster: 'dev',
    namespace: 'apps',
    deployment: name,
    tags: { agency: 'DOT', program: 'roads', fiscalYear: 'FY26' },
    metrics: { dimensions: { Service: name, Env: 'dev' } },
    createdAt: '2026-01-01T00:00:00.000Z',
    version,
  };
}

function rule(ruleId: string, version = 1): Rule {
  return {
    ruleId,
    service: 'api',
    minReplicas: 2,
    maxReplicas: 10,
    trigger: { metric: 'RequestCount', threshold: 500 },
    scaleInStabilizationSeconds: 300,
    target: { cluster: 'sandbox', namespace: 'benefits', deployment: 'api', tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' } },
    alarms: [`hms-sys-${ruleId}-scale-out`],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version,
  };
}

describe('DynamoDbStateStore services', () => {
  it('creates, reads, lists, updates and deletes services', async () => {
    const store = await freshStore();
    await store.putService(service('api'), null);
    await store.putService(service('web'), null);

    expect(await store.getService('api')).toEqual(service('api'));
    expect((await store.listServices()).map((s) => s.name).sort()).toEqual(['api', 'web']);

    await store.putService({ ...service('api', 2), deployment: 'api-v2' }, 1);
    expect(await store.getService('api')).toMatchObject({ deployment: 'api-v2', version: 2 });

    await store.deleteService('api', 2);
    expect(await store.getService('api')).toBeNull();
    expect(await store.getService('nobody')).toBeNull();
  });

  it('refuses to create a service that exists', async () => {
    const store = await freshStore();
    await store.putService(service('api'), null);
    await expect(store.putService(service('api'), null)).rejects.toBeInstanceOf(StaleVersionError);
  });

  it('refuses an update or delete with a stale expected version', async () => {
    const store = await freshStore();
    await store.putService(service('api'), null);
    await store.putService(service('api', 2), 1);

    await expect(store.putService(service('api', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
    await expect(store.deleteService('api', 1)).rejects.toBeInstanceOf(StaleVersionError);
    expect((await store.getService('api'))?.version).toBe(2);
  });

  it('refuses to update a service that does not exist', async () => {
    const store = await freshStore();
    await expect(store.putService(service('ghost', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
  });
});

describe('DynamoDbStateStore rules', () => {
  it('creates, reads, lists and deletes rules', async () => {
    const store = await freshStore();
    await store.putRule(rule('AR-101'), null);
    await store.putRule({ ...rule('AR-102'), name: 'night shift', scaleInThreshold: 100 }, null);

    expect(await store.getRule('AR-102')).toMatchObject({ name: 'night shift', scaleInThreshold: 100 });
    expect((await store.listRules()).map((r) => r.ruleId).sort()).toEqual(['AR-101', 'AR-102']);

    await expect(store.deleteRule('AR-101', 3)).rejects.toBeInstanceOf(StaleVersionError);
    await store.deleteRule('AR-101', 1);
    expect(await store.getRule('AR-101')).toBeNull();
  });

  it('hands out rule numbers from 101 upwards', async () => {
    const store = await freshStore();
    expect(await store.nextRuleNumber()).toBe(101);
    expect(await store.nextRuleNumber()).toBe(102);
    expect(await store.nextRuleNumber()).toBe(103);
  });

  it('gives 20 concurrent callers 20 distinct rule numbers', async () => {
    const store = await freshStore();
    const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextRuleNumber()));
    expect(new Set(numbers).size).toBe(20);
    expect(Math.min(...numbers)).toBe(101);
    expect(Math.max(...numbers)).toBe(120);
  });
});

describe('DynamoDbStateStore events', () => {
  const t0 = new Date('2026-03-01T12:00:00.000Z');
  const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  const claimed = { status: 'claimed', token: expect.any(String) };
  const tokenOf = async (claim: Promise<EventClaim>) => {
    const result = await claim;
    if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
    return result.token;
  };

  it('reports busy to a second claim while the first holds the lease', async () => {
    const store = await freshStore();
    expect(await store.claimEvent('e1', 120, t0)).toEqual(claimed);
    expect(await store.claimEvent('e1', 120, later(60))).toEqual({ status: 'busy' });
  });

  it('returns the stored result once the event is complete', async () => {
    const store = await freshStore();
    const token = await tokenOf(store.claimEvent('e1', 120, t0));
    await store.completeEvent('e1', token, { outcome: 'scaled', replicas: 4 }, later(1));
    expect(await store.claimEvent('e1', 120, later(2))).toEqual({ status: 'done', result: { outcome: 'scaled', replicas: 4 } });
    // A finished event stays finished even long after any lease would have run out.
    expect(await store.claimEvent('e1', 120, later(3600))).toMatchObject({ status: 'done' });
  });

  it('lets a new claim through once the lease has run out', async () => {
    const store = await freshStore();
    await store.claimEvent('e1', 120, t0);
    expect(await store.claimEvent('e1', 120, later(121))).toEqual(claimed);
    expect(await store.claimEvent('e1', 120, later(122))).toEqual({ status: 'busy' });
  });

  it('lets a new claim through at once after a release', async () => {
    const store = await freshStore();
    const token = await tokenOf(store.claimEvent('e1', 120, t0));
    await store.releaseEvent('e1', token);
    expect(await store.claimEvent('e1', 120, later(1))).toEqual(claimed);
  });

  it('does not release a completed event', async () => {
    const store = await freshStore();
    const token = await tokenOf(store.claimEvent('e1', 120, t0));
    await store.completeEvent('e1', token, 'ok', later(1));
    await store.releaseEvent('e1', token);
    expect(await store.claimEvent('e1', 120, later(2))).toEqual({ status: 'done', result: 'ok' });
  });

  it('keeps a claim taken over after lease expiry from being released or completed by the stale holder', async () => {
    const store = await freshStore();
    const stale = await tokenOf(store.claimEvent('e1', 120, t0));
    const current = await tokenOf(store.claimEvent('e1', 120, later(121)));
    await store.releaseEvent('e1', stale);
    await store.completeEvent('e1', stale, 'stale', later(122));
    expect(await store.claimEvent('e1', 120, later(123))).toEqual({ status: 'busy' });
    await store.completeEvent('e1', current, 'fresh', later(124));
    expect(await store.claimEvent('e1', 120, later(125))).toEqual({ status: 'done', result: 'fresh' });
  });
});

describe('service scaling state', () => {
  it('appends changes conditionally on the version', async () => {
    const store = await freshStore();
    const change = { at: '2026-11-23T12:00:00.000Z', from: 4, to: 8, ruleId: 'AR-101', eventId: 'e1' };
    await store.putScaling(
      { service: 'svc', changes: [change], rules: { 'AR-101': { recommendations: [], lastDecision: null } }, hpaBaselineMin: 2, version: 1 },
      null,
    );
    expect(await store.getScaling('svc')).toEqual({
      service: 'svc',
      changes: [change],
      rules: { 'AR-101': { recommendations: [], lastDecision: null } },
      hpaBaselineMin: 2,
      version: 1,
    });
    await expect(store.putScaling({ service: 'svc', changes: [], rules: {}, version: 1 }, null)).rejects.toThrow(StaleVersionError);
    expect(await store.getScaling('other')).toBeNull();
  });
});
