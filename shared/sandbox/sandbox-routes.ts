import type { LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { LocalDeadLetter } from '#adapters/local/local-dead-letter.ts';
import type { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import { metricSourceFor } from '#domain/alarms.ts';
import { NotFoundError } from '#domain/errors.ts';
import { metricDatumSchema } from '#domain/schemas.ts';
import { parseInput } from '#domain/validation.ts';
import { knownErrorAnswer } from '#functions/http/error-table.ts';
import { readBody } from '#functions/http/http.ts';
import type { Wiring } from '#ports/ports.ts';
import type { SandboxRoute } from './api-server.ts';
import type { HttpFunctionLimits } from './http-concurrency.ts';
import type { LocalBus } from './local-bus.ts';

/**
 * Routes only the sandbox has: metric ingest (CloudWatch's PutMetricData), parked events, published
 * events and, beside them, each function's copies running and events queued on the local bus, and
 * each HTTP function's copies running and requests throttled.
 */
export function sandboxRoutes(
  wiring: Wiring,
  alarms: LocalAlarmEvaluator,
  deadLetter: LocalDeadLetter,
  events: LocalEventPublisher,
  bus: LocalBus,
  http?: HttpFunctionLimits,
): Record<string, SandboxRoute> {
  const answer = async (work: () => Promise<unknown>) => {
    try {
      return { status: 200, body: await work() };
    } catch (err) {
      const known = knownErrorAnswer(err);
      if (known) return known;
      throw err;
    }
  };
  return {
    'POST /sandbox/metrics': {
      scope: 'hms/rules.write',
      run: ({ body }) =>
        answer(async () => {
          const datum = parseInput(metricDatumSchema, readBody({ body, isBase64Encoded: false }));
          const service = await wiring.ports.store.getService(datum.service);
          if (!service) throw new NotFoundError(`service ${datum.service}`, 'service');
          const source = metricSourceFor({ trigger: { metric: datum.metric, threshold: 1 } }, service);
          // Answered once stored, as PutMetricData is; the alarms on the metric are evaluated afterwards.
          alarms.ingest({
            namespace: source.namespace,
            metricName: source.metricName,
            dimensions: source.dimensions,
            value: datum.value,
            ...(datum.timestamp ? { timestamp: new Date(datum.timestamp) } : {}),
            storageResolution: datum.storageResolution ?? 60,
          });
          return {
            accepted: true,
            namespace: source.namespace,
            metric: source.metricName,
            dimensions: source.dimensions,
            value: datum.value,
            storageResolution: datum.storageResolution ?? 60,
          };
        }),
    },
    'GET /sandbox/dead-letters': { scope: 'hms/audit.read', run: () => answer(async () => ({ items: deadLetter.items() })) },
    'GET /sandbox/events': {
      scope: 'hms/audit.read',
      run: () => answer(async () => ({ items: events.published(), functions: { ...bus.concurrency(), ...http?.concurrency() } })),
    },
  };
}
