import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { credentialProbes } from '#use-cases/credential-probes.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';

/**
 * Builds the revoker around a wiring function. A credential it could not revoke fails the run, so
 * Lambda retries it. Each run first drains the audit outbox, settling the intents of credentials
 * issued or revoked by a process that stopped (credential-probes.ts: it alone may read the master
 * secrets whose logins tell whether a role exists).
 */
export function createCredentialRevokerHandler(wire: () => Promise<Wiring<SecretsPorts>>, options: { outboxGraceSeconds?: number } = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, context: Context) => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
    const drainDeadline = Date.now() + context.getRemainingTimeInMillis() / 4;
    await drainAuditOutbox(ports, { probes: credentialProbes(ports), graceMs, deadline: drainDeadline }).catch((err: Error) =>
      logger.error('audit outbox drain failed', { error: err.message }),
    );
    const report = await revokeDbCredentials(ports, { actor: controllerActor, requestId: event.id });
    metrics.addMetric('CredentialsRevoked', MetricUnit.Count, report.revoked.length);
    metrics.addMetric('CredentialRevocationsFailed', MetricUnit.Count, report.failures.length);
    if (report.failures.length > 0) {
      throw new Error(`could not revoke ${report.failures.length} credentials: ${report.failures.map((f) => `${f.arn}: ${f.error}`).join('; ')}`);
    }
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
