import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { PublishingPorts, Wiring } from '#ports/ports.ts';
import { type MeterReport, meterUsage } from '#use-cases/meter.ts';

/** Builds the meter around a wiring function, so AWS and the sandbox run the same code. */
export function createMeterHandler(wire: () => Promise<Wiring<PublishingPorts>>) {
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, context: Context): Promise<MeterReport> => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
    const startNoneAfter = Date.now() + context.getRemainingTimeInMillis() - 20_000;
    const report = await meterUsage(ports, { actor: controllerActor, requestId: event.id }, { startNoneAfter });
    logger.info('meter run', { ...report, errors: report.errors.slice(0, 20) });
    metrics.addMetric('ServicesMetered', MetricUnit.Count, report.metered);
    metrics.addMetric('MeterErrors', MetricUnit.Count, report.errors.length);
    metrics.addMetric('BudgetAlerts', MetricUnit.Count, report.alerts);
    // A service the meter could not read is read again next minute: its accrual covers the gap.
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
