import { parseAlarmName } from '#domain/alarms.ts';
import type { Datapoint } from '#ports/metrics.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { record } from './record.ts';
import { type ScaleOutcome, type ScaleRequest, scaleRule } from './scale-rule.ts';

/** How long one invocation holds an event before another may take it over. */
export const EVENT_LEASE_SECONDS = 120;

export class EventBusyError extends Error {
  constructor(eventId: string) {
    super(`event ${eventId} is being processed by another invocation`);
    this.name = 'EventBusyError';
  }
}

export type AlarmOutcome = ScaleOutcome | { outcome: 'duplicate'; eventId: string; result: unknown } | { outcome: 'ignored'; reason: string };

/**
 * Runs a scale request at most once per event id. On failure the claim is released, the
 * failure audited and the error rethrown, so Lambda retries the invocation (twice) and then
 * parks the event in the dead-letter queue.
 */
export async function runOnce(ports: Ports, caller: Caller, eventId: string, request: Omit<ScaleRequest, 'eventId'>): Promise<AlarmOutcome> {
  // The evaluation reads while the event is being claimed, and writes only once it holds the claim.
  // Both run at once, so either may fail while the other is awaited: each gets a handler as it
  // is created (a later await still sees the rejection), or Node would end the process.
  const claiming = ports.store.claimEvent(eventId, EVENT_LEASE_SECONDS, ports.clock.now());
  const holds = claiming.then((c) => c.status === 'claimed');
  holds.catch(() => undefined);
  const evaluation = scaleRule(ports, caller, { ...request, eventId }, holds);
  evaluation.catch(() => undefined);
  const claim = await claiming;
  if (claim.status !== 'claimed') {
    if (claim.status === 'done') return { outcome: 'duplicate', eventId, result: claim.result };
    throw new EventBusyError(eventId);
  }
  let outcome: AlarmOutcome;
  try {
    outcome = await evaluation;
  } catch (err) {
    await ports.store.releaseEvent(eventId, claim.token).catch(() => undefined);
    await auditFailure(ports, caller, request, err as Error).catch(() => undefined);
    throw err;
  }
  // The scale is done; a claim left incomplete only expires, and a redelivery finds the change in place.
  await ports.store.completeEvent(eventId, claim.token, outcome, ports.clock.now()).catch(() => undefined);
  return outcome;
}

async function auditFailure(ports: Ports, caller: Caller, request: Pick<ScaleRequest, 'ruleId'>, err: Error) {
  const rule = await ports.store.getRule(request.ruleId);
  await record(ports, caller, {
    action: 'scale.failed',
    target: `rule/${request.ruleId}`,
    before: null,
    after: null,
    outcome: 'failure',
    reasons: [`${err.name}: ${err.message}`, 'Lambda retries the event, then parks it in the dead-letter queue'],
    service: rule ? { name: rule.service, tags: rule.target.tags } : null,
    serviceName: rule?.service,
  });
}

export interface AlarmEventFacts {
  eventId: string;
  alarmName: string;
  stateValue: string;
  metric: Datapoint | null;
}

/** Handles one "CloudWatch Alarm State Change" event for an hms-sys alarm. */
export async function handleAlarm(ports: Ports, caller: Caller, facts: AlarmEventFacts): Promise<AlarmOutcome> {
  const parsed = parseAlarmName(facts.alarmName);
  if (!parsed) return { outcome: 'ignored', reason: `${facts.alarmName} is not an hms-sys rule alarm` };
  if (facts.stateValue !== 'ALARM') return { outcome: 'ignored', reason: `${facts.alarmName} moved to ${facts.stateValue}, not ALARM` };
  return runOnce(ports, caller, `alarm:${facts.eventId}`, {
    ruleId: parsed.ruleId,
    direction: parsed.direction,
    source: 'alarm',
    metricHint: facts.metric,
  });
}
