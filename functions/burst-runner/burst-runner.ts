import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { SchedulingPorts, Wiring } from '#ports/ports.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/logger.ts';
import { metrics, MetricUnit } from '#observability/metrics.ts';
import { advanceBurst, tickBursts } from '#use-cases/burst-runner.ts';
import type { BurstCommand } from './triggers.ts';

/** A scheduled-event tick carries an id; a one-shot schedule carries the burst it is for. */
type RunnerEvent = { id: string } | BurstCommand;

/** Builds the burst runner around a wiring function, so AWS and the sandbox run the same code. */
export function createBurstRunnerHandler(wire: () => Promise<Wiring<SchedulingPorts>>) {
  const lambdaHandler = async (event: RunnerEvent, context: Context) => {
    const requestId = 'burstId' in event ? `${event.burstId}:${context.awsRequestId}` : event.id;
    logger.appendKeys({ correlationId: requestId });
    const { ports, controllerActor } = await wire();
    const caller = { actor: controllerActor, requestId };
    if ('burstId' in event) {
      const burst = await advanceBurst(ports, caller, event.burstId);
      logger.info('burst advanced', { burstId: burst.burstId, state: burst.state });
      return { burstId: burst.burstId, state: burst.state };
    }
    const report = await tickBursts(ports, caller).catch((err: Error) => {
      metrics.addMetric('BurstTickFailed', MetricUnit.Count, 1);
      throw err;
    });
    metrics.addMetric('ActiveBursts', MetricUnit.Count, report.active);
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
