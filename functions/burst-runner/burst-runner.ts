import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseAlarmName } from '#domain/alarms.ts';
import { logger } from '#observability/logger.ts';
import { MetricUnit, metrics } from '#observability/metrics.ts';
import { observed } from '#observability/middleware.ts';
import type { SchedulingPorts, Wiring } from '#ports/ports.ts';
import { advanceBurst, tickBursts } from '#use-cases/burst-runner.ts';
import { burstFromAlarm } from '#use-cases/rule-burst.ts';
import { parseAlarmEvent } from '../scaler/alarm-event.ts';
import { parseRunnerEvent } from './runner-event.ts';

/** Builds the burst runner around a wiring function, so AWS and the sandbox run the same code. */
export function createBurstRunnerHandler(wire: () => Promise<Wiring<SchedulingPorts>>) {
  const lambdaHandler = async (raw: unknown, context: Context) => {
    const event = parseRunnerEvent(raw);
    const { ports, controllerActor } = await wire();
    if (event.kind === 'command') {
      const caller = { actor: controllerActor, requestId: `${event.burstId}:${context.awsRequestId}` };
      logger.appendKeys({ correlationId: caller.requestId });
      const burst = await advanceBurst(ports, caller, event.burstId);
      logger.info('burst advanced', { burstId: burst.burstId, state: burst.state });
      metrics.addMetric('BurstSchedulesFired', MetricUnit.Count, 1);
      return { burstId: burst.burstId, state: burst.state };
    }
    logger.appendKeys({ correlationId: event.id });
    const caller = { actor: controllerActor, requestId: event.id };
    if (event.kind === 'alarm') {
      const facts = parseAlarmEvent(event.event);
      const alarm = parseAlarmName(facts.alarmName);
      metrics.addMetric('BurstAlarms', MetricUnit.Count, 1);
      if (!alarm?.burst || facts.stateValue !== 'ALARM') return { ignored: facts.alarmName };
      return burstFromAlarm(ports, caller, facts.eventId, { ruleId: alarm.ruleId, source: 'alarm', metric: facts.metric?.value ?? null });
    }
    const report = await tickBursts(ports, caller).catch((err: Error) => {
      metrics.addMetric('BurstTickFailed', MetricUnit.Count, 1);
      throw err;
    });
    metrics.addMetric('ActiveBursts', MetricUnit.Count, report.active);
    return report;
  };
  return middy(lambdaHandler).use([...observed()]);
}
