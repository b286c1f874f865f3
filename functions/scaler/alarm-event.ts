import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';
import type { AlarmEventFacts } from '#use-cases/handle-alarm.ts';

/** The parts of a "CloudWatch Alarm State Change" event the scaler reads. */
const alarmStateChangeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({ value: z.string(), reasonData: z.optional(z.string()) }),
  }),
});

export type AlarmStateChangeEvent = z.infer<typeof alarmStateChangeSchema>;

/** The newest datapoint the alarm evaluated, from reasonData's recentDatapoints. */
function metricFromReasonData(reasonData: string | undefined): number | null {
  if (!reasonData) return null;
  try {
    const points = (JSON.parse(reasonData) as { recentDatapoints?: unknown }).recentDatapoints;
    const last = Array.isArray(points) ? points[points.length - 1] : undefined;
    return typeof last === 'number' && Number.isFinite(last) ? last : null;
  } catch {
    return null;
  }
}

export function parseAlarmEvent(event: unknown): AlarmEventFacts {
  const parsed = alarmStateChangeSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(`not a CloudWatch Alarm State Change event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const { id, detail } = parsed.data;
  return { eventId: id, alarmName: detail.alarmName, stateValue: detail.state.value, metricValue: metricFromReasonData(detail.state.reasonData) };
}
