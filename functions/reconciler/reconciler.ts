import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { Wiring } from '#ports/ports.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { type ReconcileReport, reconcile } from '#use-cases/reconcile.ts';
import { stateProbes } from '#use-cases/state-probes.ts';

export interface ReconcilerOptions {
  /** HMS_AUDIT_OUTBOX_GRACE_SECONDS: an audit intent younger than this is left to its writer. */
  outboxGraceSeconds?: number;
}

/**
 * Builds the reconciler around a wiring function, so AWS and the sandbox run the same code. Each
 * pass first drains the audit outbox: lookups onto their chains, and intents past the grace period
 * resolved by the state and replica probes, so a change whose writer stopped still gets its record.
 */
export function createReconcilerHandler(wire: () => Promise<Wiring>, options: ReconcilerOptions = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, context: Context): Promise<ReconcileReport> => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
    // At most a third of the time left; a failure is reported, and the next pass tries again.
    const drainDeadline = Date.now() + context.getRemainingTimeInMillis() / 3;
    const drained = await drainAuditOutbox(ports, { probes: stateProbes(ports), graceMs, deadline: drainDeadline }).catch((err: Error) => {
      logger.error('audit outbox drain failed', { error: err.message });
      return null;
    });
    if (drained) {
      if (drained.failed > 0) logger.error('audit outbox items failed to drain', { errors: drained.errors.slice(0, 10) });
      metrics.addMetric('AuditOutboxDrained', MetricUnit.Count, drained.appended + drained.alreadyRecorded);
    }
    // Start no rule in the last 60 s: one evaluation's cluster retries can take most of a minute.
    const startNoneAfter = Date.now() + context.getRemainingTimeInMillis() - 60_000;
    const report = await reconcile(ports, { actor: controllerActor, requestId: event.id }, event.id, { startNoneAfter }).catch((err: Error) => {
      metrics.addMetric('ReconcileFailed', MetricUnit.Count, 1);
      throw err;
    });
    logger.info('reconcile pass', { ...report });
    metrics.addMetric('AlarmsInAlarm', MetricUnit.Count, report.alarmsInAlarm);
    metrics.addMetric('RulesScaled', MetricUnit.Count, report.outcomes.filter((o) => o.outcome === 'scaled').length);
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
