import { describe, expect, it } from 'vitest';
import type { Rule, Service, ServiceScaling } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { EventClaim, StateStore } from '#ports/state-store.ts';

export function contractService(name: string, version = 1, extra: Partial<Service> = {}): Service {
  return {
    name,
    cluster: 'dev',
    namespace: 'apps',
    deployment: name,
    tags: { agency: 'DOT', program: 'roads', fiscalYear: 'FY26' },
    metrics: { dimensions: { Service: name, Env: 'dev' } },
    createdAt: '2026-01-01T00:00:00.000Z',
    version,
    ...extra,
  };
}

function rule(ruleId: string, version = 1, extra: Partial<Rule> = {}): Rule {
  return {
    ruleId,
    service: 'api',
    minReplicas: 2,
    maxReplicas: 10,
    trigger: { metric: 'RequestCount', threshold: 500 },
    scaleInStabilizationSeconds: 300,
    alarms: [`hms-sys-${ruleId}-scale-out`],
    target: { cluster: 'sandbox', namespace: 'benefits', deployment: 'api', tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' } },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version,
    ...extra,
  };
}

function scaling(service: string, version: number, to = 8): ServiceScaling {
  return {
    service,
    version,
    hpaBaselineMin: 2,
    changes: [{ at: '2026-11-23T12:00:00.000Z', from: 4, to, ruleId: 'AR-101', eventId: `e${version}` }],
    rules: { 'AR-101': { recommendations: [], lastDecision: null } },
  };
}

const t0 = new Date('2026-03-01T12:00:00.000Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const claimed = { status: 'claimed', token: expect.any(String) };
async function tokenOf(claim: Promise<EventClaim>): Promise<string> {
  const result = await claim;
  if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
  return result.token;
}

/**
 * The StateStore port as the DynamoDB adapter implements it (conditional writes on `version`,
 * Query order, UpdateItem counters, leased event claims), for any StateStore.
 * `makeStore` gives an empty store for each test.
 */
export function stateStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
  describe(`${name} (StateStore contract)`, () => {
    describe('services', () => {
      it('creates, reads, updates and deletes a service, each write conditional on the version stored', async () => {
        const store = await makeStore();
        await store.putService(contractService('api'), null);
        expect(await store.getService('api')).toEqual(contractService('api'));

        await store.putService(contractService('api', 2, { deployment: 'api-v2' }), 1);
        expect(await store.getService('api')).toEqual(contractService('api', 2, { deployment: 'api-v2' }));

        await store.deleteService('api', 2);
        expect(await store.getService('api')).toBeNull();
        expect(await store.listServices()).toEqual([]);
      });

      it('refuses a create over an existing service, and an update or delete of a stale or missing version', async () => {
        const store = await makeStore();
        await store.putService(contractService('api'), null);
        await store.putService(contractService('api', 2), 1);

        await expect(store.putService(contractService('api', 9), null)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.putService(contractService('api', 3), 1)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.deleteService('api', 1)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.deleteService('api', 3)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.putService(contractService('ghost', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.deleteService('ghost', 1)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await store.getService('api')).toEqual(contractService('api', 2));
        expect(await store.getService('ghost')).toBeNull();
      });

      it('lets exactly one of two writers of the same version win', async () => {
        const store = await makeStore();
        await store.putService(contractService('api'), null);
        const results = await Promise.allSettled([
          store.putService(contractService('api', 2, { deployment: 'a' }), 1),
          store.putService(contractService('api', 2, { deployment: 'b' }), 1),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const [lost] = results.filter((r) => r.status === 'rejected');
        expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(StaleVersionError);
      });

      it('lists services in name order, by UTF-8 bytes as a Query returns them', async () => {
        const store = await makeStore();
        for (const name of ['web', 'api', 'Zeta', 'api-2', 'b']) await store.putService(contractService(name), null);
        expect((await store.listServices()).map((s) => s.name)).toEqual(['Zeta', 'api', 'api-2', 'b', 'web']);
      });

      it('stores a value, not a reference: undefined fields drop and later changes to the object are not seen', async () => {
        const store = await makeStore();
        const service = contractService('api', 1, { podHourUSD: undefined, secrets: ['arn:a'] });
        await store.putService(service, null);
        service.secrets!.push('arn:b');
        const read = await store.getService('api');
        expect(read).toEqual(contractService('api', 1, { secrets: ['arn:a'] }));
        expect(Object.keys(read!)).not.toContain('podHourUSD');
        read!.tags.agency = 'changed';
        expect((await store.getService('api'))?.tags.agency).toBe('DOT');
      });

      it('marks a service for deletion at its stored version: rules are refused and updates lose until it is unmarked', async () => {
        const store = await makeStore();
        await store.putService(contractService('api'), null);
        expect(await store.serviceAcceptsRules('api')).toBe(true);
        await expect(store.markServiceDeleting('api', 2)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await store.serviceAcceptsRules('api')).toBe(true);

        await store.markServiceDeleting('api', 1);
        await store.markServiceDeleting('api', 1);
        expect(await store.serviceAcceptsRules('api')).toBe(false);
        await expect(store.putService(contractService('api', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await store.getService('api')).toEqual(contractService('api'));

        await store.unmarkServiceDeleting('api');
        expect(await store.serviceAcceptsRules('api')).toBe(true);
        await store.putService(contractService('api', 2), 1);
        await store.markServiceDeleting('api', 2);
        await store.deleteService('api', 2);
        expect(await store.serviceAcceptsRules('api')).toBe(false);
      });

      it('neither marks nor creates a service that does not exist', async () => {
        const store = await makeStore();
        await expect(store.markServiceDeleting('ghost', 1)).rejects.toBeInstanceOf(StaleVersionError);
        await store.unmarkServiceDeleting('ghost');
        expect(await store.getService('ghost')).toBeNull();
        expect(await store.serviceAcceptsRules('ghost')).toBe(false);
        await store.putService(contractService('ghost'), null);
        expect(await store.serviceAcceptsRules('ghost')).toBe(true);
      });
    });

    describe('rules', () => {
      it('creates, reads, lists, updates and deletes rules, conditionally on the version', async () => {
        const store = await makeStore();
        await store.putRule(rule('AR-102'), null);
        await store.putRule(rule('AR-101', 1, { name: 'night shift', scaleInThreshold: 100 }), null);
        expect(await store.getRule('AR-101')).toEqual(rule('AR-101', 1, { name: 'night shift', scaleInThreshold: 100 }));
        expect((await store.listRules()).map((r) => r.ruleId)).toEqual(['AR-101', 'AR-102']);

        await store.putRule(rule('AR-101', 2, { deleting: true }), 1);
        await expect(store.putRule(rule('AR-101', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.putRule(rule('AR-101'), null)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.deleteRule('AR-101', 1)).rejects.toBeInstanceOf(StaleVersionError);
        await expect(store.deleteRule('AR-999', 1)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await store.getRule('AR-101')).toMatchObject({ deleting: true, version: 2 });

        await store.deleteRule('AR-101', 2);
        expect(await store.getRule('AR-101')).toBeNull();
        expect((await store.listRules()).map((r) => r.ruleId)).toEqual(['AR-102']);
      });

      it('hands out rule numbers from 101 upwards, distinct under 20 concurrent callers', async () => {
        const store = await makeStore();
        expect(await store.nextRuleNumber()).toBe(101);
        expect(await store.nextRuleNumber()).toBe(102);
        const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextRuleNumber()));
        expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 103 + i));
      });

      it('keeps services and rules apart: a rule id never reads as a service', async () => {
        const store = await makeStore();
        await store.putRule(rule('api'), null);
        expect(await store.getService('api')).toBeNull();
        await store.putService(contractService('api'), null);
        expect((await store.listRules()).map((r) => r.ruleId)).toEqual(['api']);
      });
    });

    describe('scaling state', () => {
      it("creates and updates a service's scaling state conditionally on the version", async () => {
        const store = await makeStore();
        expect(await store.getScaling('svc')).toBeNull();
        await expect(store.putScaling(scaling('svc', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
        await store.putScaling(scaling('svc', 1), null);
        expect(await store.getScaling('svc')).toEqual(scaling('svc', 1));
        await expect(store.putScaling(scaling('svc', 1, 9), null)).rejects.toBeInstanceOf(StaleVersionError);
        await store.putScaling(scaling('svc', 2, 10), 1);
        await expect(store.putScaling(scaling('svc', 2, 11), 1)).rejects.toBeInstanceOf(StaleVersionError);
        expect(await store.getScaling('svc')).toEqual(scaling('svc', 2, 10));
        expect(await store.getScaling('other')).toBeNull();
      });
    });

    describe('event claims', () => {
      it('reports busy to a second claim while the lease holds, to its last millisecond', async () => {
        const store = await makeStore();
        expect(await store.claimEvent('e1', 120, t0)).toEqual(claimed);
        expect(await store.claimEvent('e1', 120, later(60))).toEqual({ status: 'busy' });
        expect(await store.claimEvent('e1', 120, later(120))).toEqual({ status: 'busy' });
        expect(await store.claimEvent('e1', 120, new Date(later(120).getTime() + 1))).toEqual(claimed);
      });

      it('gives one of 10 concurrent claims the event, and busy to the rest', async () => {
        const store = await makeStore();
        const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimEvent('e1', 120, t0)));
        expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
        expect(claims.filter((c) => c.status === 'busy')).toHaveLength(9);
      });

      it('returns the stored result to every later claim once complete, however late', async () => {
        const store = await makeStore();
        const token = await tokenOf(store.claimEvent('e1', 120, t0));
        await store.completeEvent('e1', token, { outcome: 'scaled', replicas: 4, note: undefined }, later(1));
        expect(await store.claimEvent('e1', 120, later(2))).toEqual({ status: 'done', result: { outcome: 'scaled', replicas: 4 } });
        expect(await store.claimEvent('e1', 120, later(3600))).toEqual({ status: 'done', result: { outcome: 'scaled', replicas: 4 } });
      });

      it('stores an undefined result as null', async () => {
        const store = await makeStore();
        const token = await tokenOf(store.claimEvent('e1', 120, t0));
        await store.completeEvent('e1', token, undefined, later(1));
        expect(await store.claimEvent('e1', 120, later(2))).toEqual({ status: 'done', result: null });
      });

      it('keeps the first completion: the holder completing again changes nothing', async () => {
        const store = await makeStore();
        const token = await tokenOf(store.claimEvent('e1', 120, t0));
        await store.completeEvent('e1', token, 'first', later(1));
        await store.completeEvent('e1', token, 'second', later(2));
        expect(await store.claimEvent('e1', 120, later(3))).toEqual({ status: 'done', result: 'first' });
      });

      it('lets a new claim through at once after a release, and never releases a completed event', async () => {
        const store = await makeStore();
        const token = await tokenOf(store.claimEvent('e1', 120, t0));
        await store.releaseEvent('e1', token);
        const again = await tokenOf(store.claimEvent('e1', 120, later(1)));
        expect(again).not.toBe(token);
        await store.completeEvent('e1', again, 'ok', later(2));
        await store.releaseEvent('e1', again);
        expect(await store.claimEvent('e1', 120, later(3))).toEqual({ status: 'done', result: 'ok' });
      });

      it('ignores completing or releasing an event never claimed', async () => {
        const store = await makeStore();
        await store.completeEvent('e1', 'nobody', 'x', t0);
        await store.releaseEvent('e1', 'nobody');
        expect(await store.claimEvent('e1', 120, later(1))).toEqual(claimed);
      });

      it("keeps a claim taken over after lease expiry from the stale holder's release or completion", async () => {
        const store = await makeStore();
        const stale = await tokenOf(store.claimEvent('e1', 120, t0));
        const current = await tokenOf(store.claimEvent('e1', 120, later(121)));
        expect(current).not.toBe(stale);
        await store.releaseEvent('e1', stale);
        await store.completeEvent('e1', stale, 'stale', later(122));
        expect(await store.claimEvent('e1', 120, later(123))).toEqual({ status: 'busy' });
        await store.completeEvent('e1', current, 'fresh', later(124));
        expect(await store.claimEvent('e1', 120, later(125))).toEqual({ status: 'done', result: 'fresh' });
      });

      it('keeps events apart by id', async () => {
        const store = await makeStore();
        const token = await tokenOf(store.claimEvent('e1', 120, t0));
        expect(await store.claimEvent('e2', 120, t0)).toEqual(claimed);
        await store.completeEvent('e2', token, 'wrong token', later(1));
        expect(await store.claimEvent('e2', 120, later(2))).toEqual({ status: 'busy' });
      });
    });
  });
}
