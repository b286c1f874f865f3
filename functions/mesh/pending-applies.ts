import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ValidationError } from '#domain/errors.ts';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { MeshPorts, Wiring } from '#ports/ports.ts';
import { finishPendingApplies } from '#use-cases/mesh/apply-claim.ts';

/** An EventBridge "Scheduled Event": the mesh function's one schedule, MeshPendingApplies. */
const scheduledId = (event: unknown): string => {
  const { id, 'detail-type': detailType } = (event ?? {}) as { id?: unknown; 'detail-type'?: unknown };
  if (typeof id !== 'string' || id === '' || detailType !== 'Scheduled Event') throw new ValidationError('not a mesh route or the MeshPendingApplies schedule');
  return id;
};

/**
 * The mesh function's schedule: every apply a killed process left claimed (`applying` in the registry)
 * is finished from the stored manifest, so it does not wait for the next apply of its name. Its audit
 * intents go through the outbox, which the mesh-ops tick drains every minute.
 */
export function createPendingAppliesHandler(wire: () => Promise<Wiring<MeshPorts>>) {
  const lambdaHandler = async (event: unknown, _context: Context) => {
    const id = scheduledId(event);
    logger.appendKeys({ correlationId: id });
    const { ports, controllerActor } = await wire();
    const finished = await finishPendingApplies(ports, { actor: controllerActor, requestId: id });
    metrics.addMetric('MeshPendingAppliesFinished', MetricUnit.Count, finished.length);
    if (finished.length > 0) logger.info('pending applies finished', { services: finished });
    return { finished };
  };
  return middy(lambdaHandler).use([...observed()]);
}
