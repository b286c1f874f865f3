import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { revokeDbCredentials } from '#use-cases/revoke-db-credentials.ts';

/** Builds the revoker around a wiring function. A credential it could not revoke fails the run, so Lambda retries it. */
export function createCredentialRevokerHandler(wire: () => Promise<Wiring<SecretsPorts>>) {
  const lambdaHandler = async (event: Pick<ScheduledEvent, 'id'>, _context: Context) => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, controllerActor } = await wire();
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
