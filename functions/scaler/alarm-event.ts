import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';
import type { Datapoint } from '#ports/metrics.ts';
import type { AlarmEventFacts } from '#use-cases/handle-alarm.ts';

/** The parts of a "CloudWatch Alarm State Change" event the scaler reads. */
const alarmStateChangeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  time: z.iso.datetime({ offset: true }),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({ value: z.string(), reasonData: z.optional(z.string()) }),
  }),
});

export type AlarmStateChangeEvent = z.infer<typeof alarmStateChangeSchema>;

interface ReasonData {
  recentDatapoints?: unknown;
  evaluatedDatapoints?: Array<{ timestamp?: unknown; value?: unknown }>;
}

const finiteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isoTime = (v: unknown): string | null => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : null);

/**
 * The newest datapoint the alarm evaluated and when its period began, from reasonData:
 * evaluatedDatapoints (newest first) when present, else the last of recentDatapoints,
 * stamped with the event's time.
 */
function datapointFromReasonData(reasonData: string | undefined, eventTime: string): Datapoint | null {
  if (!reasonData) return null;
  let data: ReasonData;
  try {
    data = JSON.parse(reasonData) as ReasonData;
  } catch {
    return null;
  }
  const evaluated = data.evaluatedDatapoints?.find((d) => finiteNumber(d.value));
  if (evaluated && finiteNumber(evaluated.value)) {
    return { value: evaluated.value, periodStart: isoTime(evaluated.timestamp) ?? eventTime };
  }
  const recent = Array.isArray(data.recentDatapoints) ? data.recentDatapoints.at(-1) : undefined;
  return finiteNumber(recent) ? { value: recent, periodStart: eventTime } : null;
}

export function parseAlarmEvent(event: unknown): AlarmEventFacts {
  const parsed = alarmStateChangeSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(`not a CloudWatch Alarm State Change event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const { id, time, detail } = parsed.data;
  const metric = datapointFromReasonData(detail.state.reasonData, new Date(time).toISOString());
  return { eventId: id, alarmName: detail.alarmName, stateValue: detail.state.value, metric };
}
