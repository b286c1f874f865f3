import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { rotationProbes } from '#use-cases/rotation-probes.ts';
import { sweepSecrets } from '#use-cases/sweep-secrets.ts';

/**
 * Builds the sweeper around a wiring function, so AWS and the sandbox run the same code. Each sweep
 * first drains the audit outbox, resolving rotation steps whose function stopped by what Secrets
 * Manager shows (rotation-probes.ts); what needs a database login is left to the rotation function.
 */
export function createSecretSweeperHandler(wire: () => Promise<Wiring<SecretsPorts>>, options: { outboxGraceSeconds?: number } = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, context: Context) => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
    const drainDeadline = Date.now() + context.getRemainingTimeInMillis() / 4;
    await drainAuditOutbox(ports, { probes: rotationProbes(ports), graceMs, deadline: drainDeadline }).catch((err: Error) =>
      logger.error('audit outbox drain failed', { error: err.message }),
    );
    const startNoneAfter = Date.now() + context.getRemainingTimeInMillis() - 30_000;
    const report = await sweepSecrets(ports, { actor: controllerActor, requestId: event.id }, { startNoneAfter });
    const count = (health: string) => report.findings.filter((f) => f.health === health).length;
    metrics.addMetric('SecretsChecked', MetricUnit.Count, report.checked);
    metrics.addMetric('SecretsOverdue', MetricUnit.Count, count('overdue'));
    metrics.addMetric('SecretsStuck', MetricUnit.Count, count('stuck'));
    metrics.addMetric('SecretsRotating', MetricUnit.Count, count('rotating'));
    metrics.addMetric('SecretRetriesFailed', MetricUnit.Count, report.findings.filter((f) => f.action === 'retry-failed').length);
    logger.info('secret sweep', {
      checked: report.checked,
      deferred: report.deferred,
      needingAttention: report.findings.filter((f) => f.health !== 'ok').length,
    });
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
