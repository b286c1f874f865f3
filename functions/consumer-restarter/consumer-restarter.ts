import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ValidationError } from '#domain/errors.ts';
import type { RestartCluster } from '#ports/cluster.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/logger.ts';
import { metrics, MetricUnit } from '#observability/metrics.ts';
import { restartAfterRotation, restartConsumers } from '#use-cases/restart-consumers.ts';

export type RestarterPorts = SecretsPorts & { cluster: RestartCluster; maxConcurrentRestarts: number };

interface RestartEvent {
  id?: string;
  'detail-type'?: string;
  detail?: { additionalEventData?: { SecretId?: string }; requestParameters?: { secretId?: string }; service?: string; secret?: string; versionId?: string };
}

/** The secret a CloudTrail RotationSucceeded event is about, or the credential an hms.sys DbCredentialReplaced event names. */
export function secretOf(event: unknown): { id: string; secret: string; replaced?: { service: string; versionId: string } } {
  const e = event as RestartEvent;
  if (e['detail-type'] === 'DbCredentialReplaced' && e.id && e.detail?.service && e.detail.secret && e.detail.versionId) {
    return { id: e.id, secret: e.detail.secret, replaced: { service: e.detail.service, versionId: e.detail.versionId } };
  }
  const secret = e.detail?.additionalEventData?.SecretId ?? e.detail?.requestParameters?.secretId;
  if (!e.id || !secret) throw new ValidationError('not a Secrets Manager rotation event: no secret id');
  return { id: e.id, secret };
}

/** Builds the restarter around a wiring function: a rotation that succeeded rolls the Deployments that read the secret. */
export function createConsumerRestarterHandler(wire: () => Promise<Wiring<RestarterPorts>>) {
  const lambdaHandler = async (event: unknown, context: Context) => {
    const { id, secret, replaced } = secretOf(event);
    logger.appendKeys({ correlationId: id, secret });
    const { ports, controllerActor } = await wire();
    const caller = { actor: controllerActor, requestId: id };
    const options = { maxConcurrent: ports.maxConcurrentRestarts, startNoneAfter: Date.now() + context.getRemainingTimeInMillis() - 30_000 };
    let report;
    if (replaced) {
      report = await restartConsumers(ports, caller, { secret, versionId: replaced.versionId, service: replaced.service }, options);
    } else {
      const outcome = await restartAfterRotation(ports, caller, secret, options);
      if (!outcome.ours) {
        // Another team's secret: a success, so no retry, no DLQ message and no page.
        logger.info('not ours: no service declares the rotated secret', { secret });
        return outcome;
      }
      report = outcome;
    }
    metrics.addMetric('ConsumersRestarted', MetricUnit.Count, report.restarted.length);
    logger.info('consumers restarted', { restarted: report.restarted, unchanged: report.unchanged });
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
