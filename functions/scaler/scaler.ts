import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { Wiring } from '#ports/ports.ts';
import { type AlarmOutcome, handleAlarm } from '#use-cases/handle-alarm.ts';
import { parseAlarmEvent } from './alarm-event.ts';

/** Builds the scaler around a wiring function, so AWS and the sandbox run the same code. */
export function createScalerHandler(wire: () => Promise<Wiring>) {
  const lambdaHandler = async (event: unknown, _context: Context): Promise<AlarmOutcome> => {
    try {
      const facts = parseAlarmEvent(event);
      logger.appendKeys({ correlationId: facts.eventId });
      const { ports, controllerActor } = await wire();
      const outcome = await handleAlarm(ports, { actor: controllerActor, requestId: facts.eventId }, facts);
      logger.info('alarm handled', { alarmName: facts.alarmName, outcome });
      metrics.addMetric(`Alarm_${outcome.outcome}`, MetricUnit.Count, 1);
      return outcome;
    } catch (err) {
      logger.error('alarm failed; Lambda retries it, then parks it in the dead-letter queue', { error: err as Error });
      metrics.addMetric('Alarm_failed', MetricUnit.Count, 1);
      throw err;
    }
  };
  return middy(lambdaHandler).use([...observed()]);
}
