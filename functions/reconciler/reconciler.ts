import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { Wiring } from '#ports/ports.ts';
import { type ReconcileReport, reconcile } from '#use-cases/reconcile.ts';

/** Builds the reconciler around a wiring function, so AWS and the sandbox run the same code. */
export function createReconcilerHandler(wire: () => Promise<Wiring>) {
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, context: Context): Promise<ReconcileReport> => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
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
