import { ALARM_NAME_PREFIX, parseAlarmName } from '#domain/alarms.ts';
import { ClusterNotFoundError, ClusterUnavailableError } from '#ports/errors.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { type AlarmOutcome, runOnce } from './handle-alarm.ts';

/** A cluster answer no retry changes: the Deployment is gone, or hms-sys lacks access to it. */
function isPermanent(err: unknown): boolean {
  return err instanceof ClusterNotFoundError || (err instanceof ClusterUnavailableError && (err.status === 401 || err.status === 403));
}

export interface ReconcileOptions {
  concurrency?: number;
  /** Epoch ms after which no further rule is started, so the pass ends inside its time limit. */
  startNoneAfter?: number;
}

export interface ReconcileReport {
  alarmsInAlarm: number;
  /** Rules left for the next pass because time ran short. */
  deferred: number;
  outcomes: Array<{ alarm: string; outcome: AlarmOutcome['outcome'] | 'error'; detail?: string }>;
}

/**
 * Re-evaluates every rule whose alarm is in ALARM, so a lost event cannot strand a service.
 * Each alarm runs at most once per pass (a retried pass skips what it finished), with bounded
 * concurrency; one failing rule does not stop the others, and the errors are rethrown after.
 */
export async function reconcile(ports: Ports, caller: Caller, passId: string, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const names = await ports.metrics.alarmsInAlarm(ALARM_NAME_PREFIX);
  const report: ReconcileReport = { alarmsInAlarm: names.length, deferred: 0, outcomes: [] };
  // A random order, so a pass cut short by its deadline does not always leave the same rules.
  const queue = names
    .flatMap((name) => {
      const parsed = parseAlarmName(name);
      // Burst alarms are the burst runner's: one burst per alarm event, not one per pass.
      return parsed && !parsed.burst ? [{ name, ...parsed, order: Math.random() }] : [];
    })
    .sort((a, b) => a.order - b.order);
  const failures: Error[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (options.startNoneAfter !== undefined && Date.now() > options.startNoneAfter) {
        report.deferred += 1;
        continue;
      }
      try {
        const result = await runOnce(ports, caller, `reconcile:${passId}:${item.name}`, {
          ruleId: item.ruleId,
          direction: item.direction,
          source: 'reconcile',
          metricHint: null,
        });
        report.outcomes.push({ alarm: item.name, outcome: result.outcome });
      } catch (err) {
        // Already audited by runOnce. Only a failure a retry could mend fails the pass; a missing
        // Deployment or missing RBAC would otherwise send an event to the DLQ every minute.
        if (!isPermanent(err)) failures.push(err as Error);
        report.outcomes.push({ alarm: item.name, outcome: 'error', detail: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  if (failures.length > 0) throw new AggregateError(failures, `reconcile: ${failures.length} of ${names.length} rules failed`);
  return report;
}
