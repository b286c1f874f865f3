import { describe, expect, it } from 'vitest';
import type { Usage } from '#domain/budget.ts';
import type { Budget, Burst } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { LedgerStore } from '#ports/ledger.ts';

const tags = { agency: 'DOT', program: 'roads', fiscalYear: 'FY26' };

function budget(service: string, version = 1, monthlyUSD = 1000): Budget {
  return { service, monthlyUSD, thresholds: [50, 80, 100], tags, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', version };
}

function usage(service: string, month: string, version = 1, spentUSD = 12.5): Usage {
  return {
    service,
    month,
    spentUSD,
    meteredAt: `${month}-02T00:00:00.000Z`,
    replicas: 4,
    podHourUSD: 0.05,
    alerted: [],
    floorAlerted: false,
    version,
  };
}

function burst(burstId: string, version = 1, state: Burst['state'] = 'scheduled'): Burst {
  const at = '2026-03-01T12:00:00.000Z';
  return {
    burstId,
    service: 'api',
    target: { cluster: 'sandbox', namespace: 'benefits', deployment: 'api', tags },
    fromPods: 4,
    toPods: 12,
    requestedPods: 12,
    maxCostPerHourUSD: 5,
    holdMinutes: 30,
    podHourUSD: 0.05,
    bindingLimit: 'toPods',
    limits: [{ limit: 'toPods', replicas: 12, detail: 'asked for 12' }],
    schedule: [{ at, step: 'ramp', replicas: 12, note: 'ramp' }],
    estimatedCostUSD: 0.3,
    capacityWarnings: [],
    startAt: at,
    warmUpAt: null,
    state,
    previousLevel: null,
    warmedAt: null,
    startedAt: null,
    readyAt: null,
    holdUntil: null,
    endedAt: state === 'done' ? at : null,
    failure: null,
    origin: { kind: 'api', actor: 'user/alice' },
    createdAt: at,
    updatedAt: at,
    version,
  };
}

/**
 * The LedgerStore port as the DynamoDB adapter implements it (conditional writes on `version`,
 * Query order within a partition, UpdateItem counters, conditional active-burst markers),
 * for any LedgerStore. `makeLedger` gives an empty ledger for each test.
 */
export function ledgerStoreContract(name: string, makeLedger: () => Promise<LedgerStore>): void {
  describe(`${name} (LedgerStore contract)`, () => {
    it('creates, reads, lists, updates and deletes budgets, each write conditional on the version', async () => {
      const ledger = await makeLedger();
      await ledger.putBudget(budget('web'), null);
      await ledger.putBudget(budget('api'), null);
      expect(await ledger.getBudget('api')).toEqual(budget('api'));
      expect((await ledger.listBudgets()).map((b) => b.service)).toEqual(['api', 'web']);

      await ledger.putBudget(budget('api', 2, 2000), 1);
      await expect(ledger.putBudget(budget('api', 2, 3000), 1)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.putBudget(budget('api', 1), null)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.putBudget(budget('ghost', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.deleteBudget('api', 1)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.deleteBudget('ghost', 1)).rejects.toBeInstanceOf(StaleVersionError);
      expect(await ledger.getBudget('api')).toEqual(budget('api', 2, 2000));

      await ledger.deleteBudget('api', 2);
      expect(await ledger.getBudget('api')).toBeNull();
      expect((await ledger.listBudgets()).map((b) => b.service)).toEqual(['web']);
    });

    it('keeps usage by month and service, lists one month in service order, and writes it conditionally', async () => {
      const ledger = await makeLedger();
      await ledger.putUsage(usage('web', '2026-03'), null);
      await ledger.putUsage(usage('api', '2026-03'), null);
      await ledger.putUsage(usage('api', '2026-02'), null);
      // A month that is a prefix of another key is not that month.
      await ledger.putUsage(usage('api', '2026-030'), null);

      expect(await ledger.getUsage('api', '2026-03')).toEqual(usage('api', '2026-03'));
      expect(await ledger.getUsage('api', '2026-04')).toBeNull();
      expect((await ledger.listUsage('2026-03')).map((u) => `${u.month} ${u.service}`)).toEqual(['2026-03 api', '2026-03 web']);
      expect(await ledger.listUsage('2026-01')).toEqual([]);

      await ledger.putUsage(usage('api', '2026-03', 2, 20), 1);
      await expect(ledger.putUsage(usage('api', '2026-03', 2, 30), 1)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.putUsage(usage('api', '2026-03'), null)).rejects.toBeInstanceOf(StaleVersionError);
      expect((await ledger.getUsage('api', '2026-03'))?.spentUSD).toBe(20);
      expect((await ledger.getUsage('api', '2026-02'))?.spentUSD).toBe(12.5);
      await expect(ledger.deleteUsage('api', '2026-03', 1)).rejects.toBeInstanceOf(StaleVersionError);
      await ledger.deleteUsage('api', '2026-03', 2);
      expect(await ledger.getUsage('api', '2026-03')).toBeNull();
      expect((await ledger.getUsage('api', '2026-02'))?.spentUSD).toBe(12.5);
    });

    it('hands out burst numbers from 1 upwards, distinct under 20 concurrent callers', async () => {
      const ledger = await makeLedger();
      expect(await ledger.nextBurstNumber()).toBe(1);
      const numbers = await Promise.all(Array.from({ length: 20 }, () => ledger.nextBurstNumber()));
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    });

    it('creates and updates bursts conditionally on the version, finished ones included', async () => {
      const ledger = await makeLedger();
      expect(await ledger.getBurst('B-1')).toBeNull();
      await ledger.putBurst(burst('B-1'), null);
      expect(await ledger.getBurst('B-1')).toEqual(burst('B-1'));
      await expect(ledger.putBurst(burst('B-1'), null)).rejects.toBeInstanceOf(StaleVersionError);
      await ledger.putBurst(burst('B-1', 2, 'done'), 1);
      await expect(ledger.putBurst(burst('B-1', 2, 'failed'), 1)).rejects.toBeInstanceOf(StaleVersionError);
      await expect(ledger.putBurst(burst('B-2', 2), 1)).rejects.toBeInstanceOf(StaleVersionError);
      expect(await ledger.getBurst('B-1')).toEqual(burst('B-1', 2, 'done'));
      expect(await ledger.getBurst('B-2')).toBeNull();
    });

    it('lets one burst hold a service: a reclaim by the holder is idempotent, another burst is refused', async () => {
      const ledger = await makeLedger();
      expect(await ledger.activeBurstOf('api')).toBeNull();
      expect(await ledger.claimActiveBurst('api', 'B-1')).toBe(true);
      expect(await ledger.claimActiveBurst('api', 'B-1')).toBe(true);
      expect(await ledger.claimActiveBurst('api', 'B-2')).toBe(false);
      expect(await ledger.activeBurstOf('api')).toBe('B-1');

      // Only the holder's release frees the service.
      await ledger.releaseActiveBurst('api', 'B-2');
      expect(await ledger.activeBurstOf('api')).toBe('B-1');
      await ledger.releaseActiveBurst('api', 'B-1');
      expect(await ledger.activeBurstOf('api')).toBeNull();
      await ledger.releaseActiveBurst('api', 'B-1');
      expect(await ledger.claimActiveBurst('api', 'B-2')).toBe(true);
    });

    it('gives a service to exactly one of 10 bursts claiming it at once', async () => {
      const ledger = await makeLedger();
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.claimActiveBurst('api', `B-${i}`)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await ledger.activeBurstOf('api')).toBe(`B-${claims.indexOf(true)}`);
    });

    it('lists the active bursts in service order', async () => {
      const ledger = await makeLedger();
      expect(await ledger.listActiveBursts()).toEqual([]);
      await ledger.claimActiveBurst('web', 'B-1');
      await ledger.claimActiveBurst('api', 'B-2');
      await ledger.claimActiveBurst('portal', 'B-3');
      await ledger.releaseActiveBurst('portal', 'B-3');
      expect(await ledger.listActiveBursts()).toEqual([
        { service: 'api', burstId: 'B-2' },
        { service: 'web', burstId: 'B-1' },
      ]);
    });
  });
}
