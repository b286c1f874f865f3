import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';

/**
 * What invokes the burst runner: a one-shot EventBridge Scheduler schedule delivers its Input,
 * `{"burstId": …}`, as the whole payload (a templated Lambda target adds no envelope); the minute
 * tick is an EventBridge "Scheduled Event"; a burst alarm is a "CloudWatch Alarm State Change".
 */
const burstCommandSchema = z.object({ burstId: z.string().check(z.regex(/^BU-[1-9][0-9]*$/, 'must be a burst id such as BU-42')) });
const eventBridgeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  // Absent on the sandbox's manual tick, which carries an id alone.
  'detail-type': z.optional(z.enum(['Scheduled Event', 'CloudWatch Alarm State Change'])),
});

export type RunnerEvent = { kind: 'command'; burstId: string } | { kind: 'tick'; id: string } | { kind: 'alarm'; id: string; event: unknown };

export function parseRunnerEvent(event: unknown): RunnerEvent {
  const command = burstCommandSchema.safeParse(event);
  if (command.success) return { kind: 'command', burstId: command.data.burstId };
  const delivered = eventBridgeSchema.safeParse(event);
  if (!delivered.success) throw new ValidationError('not a burst command, a scheduled tick or a burst alarm event');
  return delivered.data['detail-type'] === 'CloudWatch Alarm State Change'
    ? { kind: 'alarm', id: delivered.data.id, event }
    : { kind: 'tick', id: delivered.data.id };
}
