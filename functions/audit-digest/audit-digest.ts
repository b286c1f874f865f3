import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#functions/http/http.ts';
import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { Wiring } from '#ports/ports.ts';
import { type DigestPorts, type DigestRunReport, runDigests } from '#use-cases/audit-digests.ts';
import { type PruneReport, pruneAudit } from '#use-cases/audit-prune.ts';
import { contract } from '../api/contract.ts';
import { auditReadOperations } from './operations.ts';
import { auditDigestRoutes } from './triggers.ts';

/** The digest function's settings, read at the edge (HMS_AUDIT_RETENTION_DAYS, HMS_AUDIT_HOT_DAYS). */
export interface DigestFunctionSettings {
  retentionDays: number;
  hotDays: number;
}

export type DigestWiring = Wiring<DigestPorts> & { settings: DigestFunctionSettings };

/** An on-demand run answers within API Gateway's 30 s; what it leaves, the next run finishes. */
export const ON_DEMAND_BUDGET_MS = 20_000;
/** A scheduled run stops starting streams this long before its timeout. */
const SCHEDULED_MARGIN_MS = 30_000;

/**
 * The digest function: hourly, a digest run then the retention prune; on POST /audit/digests, a
 * digest run within the API's time; GET /audit/verify and GET /audit/public-key, recorded as
 * lookups like every authenticated GET. AWS and the sandbox run the same code around their wiring.
 */
export function createAuditDigestHandler(wire: () => Promise<DigestWiring>, reporter: ErrorReporter) {
  const http = createHttpHandler(
    {
      routes: auditDigestRoutes,
      contract,
      operations: {
        runAuditDigests: async ({ ports }) => {
          const { settings } = await wire();
          const stopAt = Date.now() + ON_DEMAND_BUDGET_MS;
          return runDigests(ports, { retentionDays: settings.retentionDays, shouldStop: () => Date.now() > stopAt });
        },
        ...auditReadOperations,
      },
    },
    wire,
    reporter,
  );
  const scheduled = middy(async (event: Pick<ScheduledEvent, 'id'>, context: Context): Promise<{ digests: DigestRunReport; prune: PruneReport }> => {
    logger.appendKeys({ correlationId: event.id });
    const { ports, settings } = await wire();
    const stopAt = Date.now() + context.getRemainingTimeInMillis() - SCHEDULED_MARGIN_MS;
    const shouldStop = () => Date.now() > stopAt;
    const digests = await runDigests(ports, { retentionDays: settings.retentionDays, shouldStop });
    const prune = await pruneAudit(ports, { hotDays: settings.hotDays, shouldStop });
    logger.info('audit digest run', { digests: digests.digests.length, failures: digests.failures, pruned: prune.pruned, refused: prune.refused });
    metrics.addMetric('AuditDigestsWritten', MetricUnit.Count, digests.digests.length);
    metrics.addMetric('AuditDigestFailures', MetricUnit.Count, digests.failures.length + prune.refused.length);
    return { digests, prune };
  }).use([...observed()]);
  return (event: ApiEvent | Pick<ScheduledEvent, 'id'>, context: Context): Promise<ApiResult | { digests: DigestRunReport; prune: PruneReport }> =>
    'routeKey' in event ? http(event, context) : scheduled(event, context);
}
