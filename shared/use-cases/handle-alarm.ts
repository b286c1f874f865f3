import { parseAlarmName } from '#domain/alarms.ts';
import { ClusterUnavailableError } from '#ports/errors.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { record } from './record.ts';
import { scaleRule, type ScaleOutcome, type ScaleRequest } from './scale-rule.ts';

/** How long one invocation holds an event before another may take it over. */
export const EVENT_LEASE_SECONDS = 120;

export class EventBusyError extends Error {
  constructor(eventId: string) {
    super(`event ${eventId} is being processed by another invocation`);
    this.name = 'EventBusyError';
  }
}

export type AlarmOutcome =
  | ScaleOutcome
  | { outcome: 'duplicate'; eventId: string; result: unknown }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'parked'; ruleId: string; reason: string };

/** A failure worth parking rather than retrying forever: the cluster or AWS kept failing. */
function isExhausted(err: unknown): boolean {
  if (err instanceof ClusterUnavailableError) return true;
  const name = (err as { name?: string })?.name ?? '';
  return /Throttl|ServiceUnavailable|TooManyRequests|RequestLimitExceeded/.test(name);
}

/**
 * Runs a scale request at most once per event id. What still fails after the adapters'
 * retries is parked in the dead-letter queue with an audit record, and the event is marked
 * done so redelivery does not repeat it; anything unexpected releases the claim and rethrows,
 * so the platform's own retry and DLQ take over.
 */
export async function runOnce(ports: Ports, caller: Caller, eventId: string, request: ScaleRequest, payload: unknown): Promise<AlarmOutcome> {
  const claim = await ports.store.claimEvent(eventId, EVENT_LEASE_SECONDS, ports.clock.now());
  if (claim.status === 'done') return { outcome: 'duplicate', eventId, result: claim.result };
  if (claim.status === 'busy') throw new EventBusyError(eventId);
  try {
    const outcome = await scaleRule(ports, caller, request);
    await ports.store.completeEvent(eventId, outcome, ports.clock.now());
    return outcome;
  } catch (err) {
    if (!isExhausted(err)) {
      await ports.store.releaseEvent(eventId).catch(() => undefined);
      throw err;
    }
    const reason = `${(err as Error).name}: ${(err as Error).message}`;
    await ports.deadLetter.park({ source: caller.actor, reason, payload });
    const rule = await ports.store.getRule(request.ruleId).catch(() => null);
    await record(ports, caller, {
      action: 'scale.failed', target: `rule/${request.ruleId}`, before: null, after: null, outcome: 'failure',
      reasons: [reason, 'parked in the dead-letter queue after retries'], serviceName: rule?.service,
      service: rule ? await ports.store.getService(rule.service).catch(() => null) : null,
    });
    const parked = { outcome: 'parked' as const, ruleId: request.ruleId, reason };
    await ports.store.completeEvent(eventId, parked, ports.clock.now());
    return parked;
  }
}

export interface AlarmEventFacts {
  eventId: string;
  alarmName: string;
  stateValue: string;
  metricValue: number | null;
}

/** Handles one "CloudWatch Alarm State Change" event for an hms-sys alarm. */
export async function handleAlarm(ports: Ports, caller: Caller, facts: AlarmEventFacts, payload: unknown): Promise<AlarmOutcome> {
  const parsed = parseAlarmName(facts.alarmName);
  if (!parsed) return { outcome: 'ignored', reason: `${facts.alarmName} is not an hms-sys rule alarm` };
  if (facts.stateValue !== 'ALARM') return { outcome: 'ignored', reason: `${facts.alarmName} moved to ${facts.stateValue}, not ALARM` };
  return runOnce(ports, caller, `alarm:${facts.eventId}`, {
    ruleId: parsed.ruleId, direction: parsed.direction, source: 'alarm', metricHint: facts.metricValue,
  }, payload);
}
