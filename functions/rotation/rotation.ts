import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseRotationEvent } from '#domain/rotation.ts';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { RotationPorts, Wiring } from '#ports/ports.ts';
import { DEFAULT_OUTBOX_GRACE_SECONDS, drainAuditOutbox } from '#use-cases/drain-audit-outbox.ts';
import { pendingChecks, runRotationStep } from '#use-cases/rotate-secret.ts';
import { rotationProbes } from '#use-cases/rotation-probes.ts';

/**
 * Builds the rotation function around a wiring function, so AWS and the sandbox run the same
 * code. A failed step throws: Secrets Manager marks the rotation failed and AWSCURRENT stays.
 * No value, old or new, is ever logged.
 */
export function createRotationHandler(wire: () => Promise<Wiring<RotationPorts>>, options: { outboxGraceSeconds?: number } = {}) {
  const graceMs = (options.outboxGraceSeconds ?? DEFAULT_OUTBOX_GRACE_SECONDS) * 1000;
  const lambdaHandler = async (event: unknown, _context: Context) => {
    const rotation = parseRotationEvent(event);
    logger.appendKeys({ secretId: rotation.SecretId, step: rotation.Step, token: rotation.ClientRequestToken });
    const { ports, controllerActor } = await wire();
    // First, the steps of rotations whose function stopped mid-step: only this function can log in
    // with a pending value, so only it can tell whether a setSecret or testSecret took effect.
    const probes = rotationProbes(ports, pendingChecks(ports));
    await drainAuditOutbox(ports, { probes, graceMs, limit: 25 }).catch((err: Error) => logger.error('audit outbox drain failed', { error: err.message }));
    try {
      // The token names the rotation: its four steps' records share it as their request id.
      const result = await runRotationStep(ports, rotation, { actor: controllerActor, requestId: rotation.ClientRequestToken });
      logger.info('rotation step', { outcome: result.outcome });
      metrics.addMetric(`Rotation_${rotation.Step}`, MetricUnit.Count, 1);
      return result;
    } catch (err) {
      logger.error('rotation step failed; AWSCURRENT is unchanged', { error: (err as Error).message });
      metrics.addMetric('RotationStepFailed', MetricUnit.Count, 1);
      throw err;
    }
  };
  return middy(lambdaHandler).use([...observed()]);
}
