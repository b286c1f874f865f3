import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { RestartCluster } from '#ports/cluster.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { type RestartReport, restartAfterRotation, restartConsumers } from '#use-cases/restart-consumers.ts';
import { restartProbes } from '#use-cases/restart-probes.ts';
import { parseRestartEvent } from './restart-event.ts';

export type RestarterPorts = SecretsPorts & { cluster: RestartCluster; maxConcurrentRestarts: number };

/**
 * Builds the restarter around a wiring function: a rotation that succeeded rolls the Deployments
 * that read the secret. Each run first drains the audit outbox, settling restarts a stopped run
 * left by reading their Deployments' annotation back (restart-probes.ts).
 */
export function createConsumerRestarterHandler(wire: () => Promise<Wiring<RestarterPorts>>, options: { outboxGraceSeconds?: number } = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (event: unknown, context: Context) => {
    const { id, secret, replaced } = parseRestartEvent(event);
    logger.appendKeys({ correlationId: id, secret });
    const { ports, controllerActor } = await wire();
    const drainDeadline = Date.now() + context.getRemainingTimeInMillis() / 4;
    await drainAuditOutbox(ports, { probes: restartProbes(ports), graceMs, deadline: drainDeadline }).catch((err: Error) =>
      logger.error('audit outbox drain failed', { error: err.message }),
    );
    const caller = { actor: controllerActor, requestId: id };
    const options = { maxConcurrent: ports.maxConcurrentRestarts, startNoneAfter: Date.now() + context.getRemainingTimeInMillis() - 30_000 };
    let report: RestartReport;
    if (replaced) {
      report = await restartConsumers(ports, caller, { secret, versionId: replaced.versionId, service: replaced.service }, options);
    } else {
      const outcome = await restartAfterRotation(ports, caller, secret, options);
      if (!outcome.ours) {
        // Another team's secret: a success, so no retry, no DLQ message and no page.
        logger.info('not ours: no service declares the rotated secret', { secret });
        return outcome;
      }
      if (!outcome.readable) {
        // Declared by a service but not tagged for hms-sys rotation: a retry would be refused again, so
        // the audit record and this warning tell the operator, and the event ends without a page.
        logger.warn('a declared secret is not under hms-sys rotation: consumers not restarted', {
          secret,
          consumers: outcome.consumers,
          reason: outcome.reason,
        });
        metrics.addMetric('ConsumerRestartsRefused', MetricUnit.Count, outcome.consumers.length);
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
