import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClusterConflictError, ClusterUnavailableError, DependencyUnavailableError } from '#ports/errors.ts';
import { DRAINER_RECORDED_REASON, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { handleAlarm } from '#use-cases/handle-alarm.ts';
import { reconcile } from '#use-cases/reconcile.ts';
import { HPA_FLOOR_BACKOFF, scaleRule } from '#use-cases/scale-rule.ts';
import { stateProbes } from '#use-cases/state-probes.ts';
import type { memoryPorts } from './memory-ports.ts';
import { seededPorts } from './seeded-ports.ts';

const caller = { actor: 'role/hms-sys-scaler', requestId: 'evt-1' };
let env: ReturnType<typeof memoryPorts>;

beforeEach(async () => {
  env = await seededPorts(caller, { rule: true });
});

const at = (value: number, periodStart = '2026-11-23T11:59:00.000Z') => ({ value, periodStart });
const out = (value: number, eventId = 'evt-1') => ({ ruleId: 'AR-101', direction: 'out' as const, source: 'alarm' as const, eventId, metricHint: at(value) });

describe('scaleRule while something else moves the Deployment', () => {
  it('writes its absolute count in one PATCH, with no conflict to lose', async () => {
    env.ports.cluster.raceTo = 6;
    const result = await scaleRule(env.ports, caller, out(1_000));
    expect(result.outcome).toBe('scaled');
    expect(env.ports.cluster.replicas).toBe(8);
    expect(env.ports.cluster.patches).toEqual([8]);
  });
});

describe('scaleRule on a scale-in alarm with no datapoint', () => {
  const silentIn = { ruleId: 'AR-101', direction: 'in' as const, source: 'alarm' as const, eventId: 'evt-in', metricHint: null };

  it('scales in when the metric published before and has gone silent: traffic stopped', async () => {
    env.ports.cluster.replicas = 10;
    const result = await scaleRule(env.ports, caller, silentIn);
    expect(result.outcome).toBe('scaled');
    expect(env.ports.cluster.replicas).toBe(4);
  });

  it('holds when the metric has no datapoint in the last day either, and says why', async () => {
    env.ports.cluster.replicas = 10;
    env.ports.metrics.published = false;
    const result = await scaleRule(env.ports, caller, silentIn);
    expect(env.ports.cluster.replicas).toBe(10);
    expect(env.ports.cluster.patches).toEqual([]);
    expect(result.decision?.reasons.join(' ')).toMatch(/never published, or its namespace, name or dimensions are wrong/);
  });
});

describe('scaleRule sizes from Ready pods', () => {
  it('counts pods that are not Ready at 0% on a scale-up, and says so', async () => {
    env.ports.cluster.replicas = 5;
    env.ports.cluster.pending = 2;
    const result = await scaleRule(env.ports, caller, out(1_000));
    // 3 Ready pods at 1000 and 2 at 0: (3 × 2 + 2 × 0) / 5 = 1.2 of the threshold, so ceil(5 × 1.2) = 6, not ceil(5 × 2) = 10.
    expect(env.ports.cluster.replicas).toBe(6);
    expect(result.decision!.reasons.join(' ')).toContain('3 of 5 pods Ready; the 2 not Ready counted at 0% of the threshold for a scale-up');
  });
});

describe('scaleRule with an HPA', () => {
  it('raises minReplicas, capped at the HPA maximum, and never writes the scale subresource', async () => {
    env.ports.cluster.hpa = { name: 'eligibility-api', minReplicas: 2, maxReplicas: 6, resourceVersion: '1' };
    const result = await scaleRule(env.ports, caller, out(1_000));
    expect(result.appliedTo).toBe('hpa');
    expect(env.ports.cluster.hpa?.minReplicas).toBe(6);
    expect(env.ports.cluster.patches).toEqual([]);
  });

  describe('while the HPA controller keeps writing its status', () => {
    beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout'] }));
    afterEach(() => vi.useRealTimers());
    const floorWithConflicts = async (conflicts: number) => {
      env.ports.cluster.hpa = { name: 'eligibility-api', minReplicas: 2, maxReplicas: 6, resourceVersion: '1' };
      env.ports.cluster.hpaConflicts = conflicts;
      const settled = scaleRule(env.ports, caller, out(1_000)).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await vi.runAllTimersAsync();
      return settled;
    };

    it('still raises the floor after 7 conflicts in a row, re-reading the resourceVersion each time', async () => {
      expect(HPA_FLOOR_BACKOFF.attempts).toBe(8);
      const result = await floorWithConflicts(7);
      expect(result).toMatchObject({ value: { appliedTo: 'hpa' } });
      expect(env.ports.cluster.hpa).toMatchObject({ minReplicas: 6, resourceVersion: '9' });
    });

    it('gives up with the conflict after 8', async () => {
      const result = await floorWithConflicts(8);
      expect(result).toMatchObject({ error: expect.any(ClusterConflictError) });
      expect(env.ports.cluster.hpa?.minReplicas).toBe(2);
    });
  });
});

describe('handleAlarm', () => {
  const facts = { eventId: 'e-1', alarmName: 'hms-sys-AR-101-scale-out', stateValue: 'ALARM', metric: at(1_000) };

  it("audits a failure the adapters already retried, releases the event and rethrows for Lambda's retries and DLQ", async () => {
    const read = env.ports.cluster.getWorkload;
    env.ports.cluster.getWorkload = async () => {
      throw new ClusterUnavailableError('503 after 5 attempts', 503);
    };
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow(ClusterUnavailableError);
    expect(env.ports.audit.records.at(-1)).toMatchObject({ action: 'scale.failed', outcome: 'failure', service: 'eligibility-api' });
    env.ports.cluster.getWorkload = read;
    expect(await handleAlarm(env.ports, caller, facts)).toMatchObject({ outcome: 'scaled' });
  });

  it('releases the event on an unexpected error so a retry can run it', async () => {
    const read = env.ports.cluster.getWorkload;
    env.ports.cluster.getWorkload = async () => {
      throw new TypeError('bug');
    };
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow('bug');
    env.ports.cluster.getWorkload = read;
    expect(await handleAlarm(env.ports, caller, facts)).toMatchObject({ outcome: 'scaled' });
  });

  it('ignores alarms that are not hms-sys rule alarms and state changes other than ALARM', async () => {
    expect(await handleAlarm(env.ports, caller, { ...facts, alarmName: 'billing' })).toMatchObject({ outcome: 'ignored' });
    expect(await handleAlarm(env.ports, caller, { ...facts, stateValue: 'OK' })).toMatchObject({ outcome: 'ignored' });
    expect(env.ports.cluster.patches).toEqual([]);
  });
});

describe('rule edits', () => {
  it('restores the rule when CloudWatch refuses the new alarms, leaving no partial write, and records the attempt as a failure naming the fault', async () => {
    const { updateRule } = await import('#use-cases/rules.ts');
    const put = env.ports.metrics.putAlarm;
    // What the CloudWatch adapter throws after the SDK's retries: the port's error, passed on unchanged (503 at the edge).
    const fault = new DependencyUnavailableError('CloudWatch PutMetricAlarm failed: Rate exceeded');
    env.ports.metrics.putAlarm = async () => {
      throw fault;
    };
    await expect(updateRule(env.ports, caller, 'AR-101', { maxReplicas: 30 }, { dryRun: false })).rejects.toBe(fault);
    env.ports.metrics.putAlarm = put;
    expect((await env.ports.store.getRule('AR-101'))?.maxReplicas).toBe(20);
    expect(env.ports.audit.records.filter((r) => r.action === 'rule.update')).toEqual([
      expect.objectContaining({ outcome: 'failure', after: null, reasons: expect.arrayContaining([`the change failed: ${fault.name}: ${fault.message}`]) }),
    ]);
    expect(env.ports.auditOutbox.items.size).toBe(0);
  });

  it("passes a bug on as it is, for the edge's logged 500, not as a dependency failure", async () => {
    const { createRule, updateRule } = await import('#use-cases/rules.ts');
    const put = env.ports.metrics.putAlarm;
    env.ports.metrics.putAlarm = async () => {
      throw new TypeError('spec.metric is undefined');
    };
    await expect(updateRule(env.ports, caller, 'AR-101', { maxReplicas: 30 }, { dryRun: false })).rejects.toBeInstanceOf(TypeError);
    const input = { service: 'eligibility-api', minReplicas: 1, maxReplicas: 3, trigger: { metric: 'http_rps' as const, threshold: 5 } };
    await expect(createRule(env.ports, caller, input, { dryRun: false })).rejects.toBeInstanceOf(TypeError);
    env.ports.metrics.putAlarm = put;
    expect((await env.ports.store.getRule('AR-101'))?.maxReplicas).toBe(20);
    expect((await env.ports.store.listRules()).map((r) => r.ruleId)).toEqual(['AR-101']);
  });
});

describe('retries and repeated evaluations', () => {
  const facts = { eventId: 'e-9', alarmName: 'hms-sys-AR-101-scale-out', stateValue: 'ALARM', metric: at(1_000) };

  it('does not fail or scale twice when the audit append fails after the cluster write: the intent stays, and the drainer records it once', async () => {
    const append = env.ports.audit.append.bind(env.ports.audit);
    let failNext = true;
    env.ports.audit.append = async (entry) => {
      if (failNext && entry.action === 'scale.apply') {
        failNext = false;
        throw new Error('audit table unavailable');
      }
      return append(entry);
    };
    // The change stands and its record is guaranteed by the outbox, so the event succeeds.
    expect(await handleAlarm(env.ports, caller, facts)).toMatchObject({ outcome: 'scaled' });
    expect(env.ports.cluster.replicas).toBe(8);
    expect(env.ports.audit.records.filter((r) => r.action === 'scale.apply')).toHaveLength(0);
    expect([...env.ports.auditOutbox.items.values()].map((p) => p.probe)).toEqual([{ kind: 'replicas', service: 'eligibility-api', replicas: 8 }]);

    const retried = await handleAlarm(env.ports, caller, facts);
    expect(retried).toMatchObject({ outcome: 'duplicate' });
    env.clock.current = new Date(env.clock.current.getTime() + 16 * 60_000);
    await drainAuditOutbox(env.ports, { probes: stateProbes(env.ports), graceMs: 15 * 60_000 });
    expect(env.ports.cluster.patches).toEqual([8]);
    const applied = env.ports.audit.records.filter((r) => r.action === 'scale.apply');
    expect(applied).toEqual([
      expect.objectContaining({ outcome: 'success', after: { replicas: 8 }, reasons: expect.arrayContaining([DRAINER_RECORDED_REASON]) }),
    ]);
    expect(env.ports.auditOutbox.items.size).toBe(0);
  });

  it('a reconcile pass does not act again on the datapoint an alarm already acted on', async () => {
    await scaleRule(env.ports, caller, out(1_000));
    env.ports.metrics.value = at(1_000);
    const again = await scaleRule(env.ports, caller, { ...out(1_000, 'reconcile-1'), source: 'reconcile', metricHint: null });
    expect(again.outcome).toBe('unchanged');
    expect(env.ports.cluster.patches).toEqual([8]);
  });

  it('acts on a newer datapoint taken after the change', async () => {
    await scaleRule(env.ports, caller, out(1_000));
    env.clock.current = new Date('2026-11-23T12:02:30Z');
    env.ports.metrics.value = at(1_000, '2026-11-23T12:01:30.000Z');
    const next = await scaleRule(env.ports, caller, { ...out(1_000, 'reconcile-2'), source: 'reconcile', metricHint: null });
    expect(next.outcome).toBe('scaled');
    expect(env.ports.cluster.patches).toEqual([8, 16]);
  });
});

describe('a duplicate delivered at the same moment', () => {
  it('is refused as busy, and only the claim holder writes', async () => {
    const facts = { eventId: 'e-dup', alarmName: 'hms-sys-AR-101-scale-out', stateValue: 'ALARM', metric: at(1_000) };
    const [first, second] = await Promise.allSettled([handleAlarm(env.ports, caller, facts), handleAlarm(env.ports, caller, facts)]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { outcome: 'scaled' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { name: 'EventBusyError' } });
    expect(env.ports.cluster.patches).toEqual([8]);
    expect(env.ports.audit.records.filter((r) => r.action.startsWith('scale.'))).toHaveLength(1);
  });
});

describe('a lost PATCH response', () => {
  it('is recognised as applied when the event is delivered again', async () => {
    const apply = env.ports.cluster.setScale.bind(env.ports.cluster);
    let lose = true;
    env.ports.cluster.setScale = async (ref, replicas) => {
      const written = await apply(ref, replicas);
      if (lose) {
        lose = false;
        throw new ClusterUnavailableError('the PATCH landed but its answer never came back', null);
      }
      return written;
    };
    const facts = { eventId: 'e-lost', alarmName: 'hms-sys-AR-101-scale-out', stateValue: 'ALARM', metric: at(1_000) };
    await expect(handleAlarm(env.ports, caller, facts)).rejects.toThrow(ClusterUnavailableError);
    expect(await handleAlarm(env.ports, caller, facts)).toMatchObject({ outcome: 'scaled' });
    expect(env.ports.cluster.patches).toEqual([8]);
    expect(env.ports.audit.records.at(-1)).toMatchObject({ action: 'scale.apply', after: { replicas: 8 } });
  });
});

describe('reconcile', () => {
  it('evaluates every rule whose alarm is in ALARM, once per pass', async () => {
    env.ports.metrics.inAlarm = ['hms-sys-AR-101-scale-out', 'billing-alarm'];
    env.ports.metrics.value = at(1_000);
    const report = await reconcile(env.ports, caller, 'pass-1');
    expect(report).toMatchObject({ alarmsInAlarm: 1, deferred: 0, outcomes: [{ alarm: 'hms-sys-AR-101-scale-out', outcome: 'scaled' }] });
    expect((await reconcile(env.ports, caller, 'pass-1')).outcomes).toEqual([{ alarm: 'hms-sys-AR-101-scale-out', outcome: 'duplicate' }]);
  });

  it('starts no rule once its deadline has passed, leaving them to the next pass', async () => {
    env.ports.metrics.inAlarm = ['hms-sys-AR-101-scale-out'];
    env.ports.metrics.value = at(1_000);
    const report = await reconcile(env.ports, caller, 'pass-2', { startNoneAfter: Date.now() - 1 });
    expect(report).toMatchObject({ deferred: 1, outcomes: [] });
    expect(env.ports.cluster.patches).toEqual([]);
  });
});

describe('deleting a rule', () => {
  it("removes its alarms and forgets its memory in the service's scaling state", async () => {
    const { deleteRule } = await import('#use-cases/rules.ts');
    await scaleRule(env.ports, caller, out(1_000));
    expect((await env.ports.store.getScaling('eligibility-api'))?.rules['AR-101']).toBeDefined();
    await deleteRule(env.ports, caller, 'AR-101', { dryRun: false });
    expect(await env.ports.store.getRule('AR-101')).toBeNull();
    expect(env.ports.metrics.alarms.size).toBe(0);
    expect((await env.ports.store.getScaling('eligibility-api'))?.rules['AR-101']).toBeUndefined();
  });
});

describe('a reconcile pass meeting a permanent cluster error', () => {
  it('audits it and reports it without failing the pass, so no event goes to the DLQ every minute', async () => {
    const { ClusterNotFoundError } = await import('#ports/errors.ts');
    env.ports.metrics.inAlarm = ['hms-sys-AR-101-scale-out'];
    env.ports.metrics.value = at(1_000);
    env.ports.cluster.getScale = async () => {
      throw new ClusterNotFoundError('deployments.apps "eligibility-api" not found');
    };
    const report = await reconcile(env.ports, caller, 'pass-3');
    expect(report.outcomes).toEqual([{ alarm: 'hms-sys-AR-101-scale-out', outcome: 'error', detail: 'deployments.apps "eligibility-api" not found' }]);
    expect(env.ports.audit.records.at(-1)).toMatchObject({ action: 'scale.failed', outcome: 'failure' });
  });
});
