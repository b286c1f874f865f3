import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { MeshOpsPorts, Wiring } from '#ports/ports.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox, probesOf } from '#use-cases/drain-audit-outbox.ts';
import { meshObjectProbes } from '#use-cases/mesh/apply-objects.ts';
import { tripBreaker } from '#use-cases/mesh/breaker.ts';
import { expireDue, runMeshCommand } from '#use-cases/mesh/mesh-expiry.ts';
import { meshProbes } from '#use-cases/mesh/mesh-records.ts';
import { checkRootCa } from '#use-cases/mesh/root-ca-check.ts';
import { parseMeshEvent } from './mesh-event.ts';

export interface MeshEventOptions {
  /** An audit intent younger than this is left to its writer (HMS_AUDIT_OUTBOX_GRACE_SECONDS). */
  outboxGraceSeconds?: number;
}

/**
 * The mesh-ops function's non-HTTP invocations: a fired one-shot schedule (end a pause, close or look
 * again at a breaker), the minute tick (ends overdue pauses and breakers and finishes any a stopped
 * function left half done, after draining the mesh's audit intents), the root CA check, and the
 * breaker alarm entering ALARM.
 */
export function createMeshEventHandler(wire: () => Promise<Wiring<MeshOpsPorts>>, options: MeshEventOptions = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (raw: unknown, context: Context) => {
    const event = parseMeshEvent(raw);
    const { ports, controllerActor } = await wire();
    if (event.kind === 'command') {
      const caller = { actor: controllerActor, requestId: `${event.command.action}:${event.command.service}:${context.awsRequestId}` };
      logger.appendKeys({ correlationId: caller.requestId });
      metrics.addMetric('MeshSchedulesFired', MetricUnit.Count, 1);
      const outcome = await runMeshCommand(ports, caller, event.command);
      logger.info('mesh command', { ...event.command, outcome: outcome.outcome });
      return outcome;
    }
    logger.appendKeys({ correlationId: event.id });
    const caller = { actor: controllerActor, requestId: event.id };
    if (event.kind === 'breaker-alarm') {
      metrics.addMetric('MeshBreakerAlarms', MetricUnit.Count, 1);
      if (event.state !== 'ALARM') return { outcome: 'ignored', reason: `${event.alarmName} is ${event.state}` };
      const outcome = await tripBreaker(ports, caller, event.alarmName);
      logger.info('breaker alarm', { alarm: event.alarmName, outcome: outcome.outcome });
      return outcome;
    }
    if (event.kind === 'root-ca-check') return checkRootCa(ports, caller);
    // At most a third of the time left for the audit intents; a failure is reported and the next tick tries again.
    const deadline = Date.now() + context.getRemainingTimeInMillis() / 3;
    const drained = await drainAuditOutbox(ports, { probes: probesOf(meshProbes(ports), meshObjectProbes(ports)), graceMs, deadline }).catch((err: Error) => {
      logger.error('mesh audit outbox drain failed', { error: err.message });
      return null;
    });
    if (drained && drained.failed > 0) logger.error('mesh audit outbox items failed to drain', { errors: drained.errors.slice(0, 10) });
    const report = await expireDue(ports, caller).catch((err: Error) => {
      metrics.addMetric('MeshTickFailed', MetricUnit.Count, 1);
      throw err;
    });
    metrics.addMetric('MeshPauses', MetricUnit.Count, report.pauses);
    metrics.addMetric('MeshOpenBreakers', MetricUnit.Count, report.breakers);
    // Neither rule could be told by its name: the CA check too (it alerts once a day however often it runs).
    return event.kind === 'schedule' ? { ...report, rootCa: await checkRootCa(ports, caller) } : report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
