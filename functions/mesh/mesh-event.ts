import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';
import { dnsLabel } from '#domain/schemas.ts';
import type { MeshCommand } from './triggers.ts';

/**
 * What invokes the mesh function besides its routes: a one-shot EventBridge Scheduler schedule
 * delivers its Input, the MeshCommand, as the whole payload; MeshTick and MeshRootCaCheck are
 * EventBridge "Scheduled Event"s told apart by their rule's name; the breaker alarm is a
 * "CloudWatch Alarm State Change".
 */
const commandSchema = z.strictObject({
  action: z.enum(['resume', 'close-breaker']),
  service: dnsLabel,
  until: z.iso.datetime({ offset: true }),
});
const eventBridgeSchema = z.object({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.optional(z.enum(['Scheduled Event', 'CloudWatch Alarm State Change'])),
  resources: z.optional(z.array(z.string())),
});
const alarmSchema = z.object({
  detail: z.object({ alarmName: z.string().check(z.minLength(1)), state: z.object({ value: z.string() }) }),
});

export type MeshEvent =
  | { kind: 'command'; command: MeshCommand }
  | { kind: 'tick'; id: string }
  | { kind: 'root-ca-check'; id: string }
  | { kind: 'breaker-alarm'; id: string; alarmName: string; state: string };

/** The schedule rule's name carries its trigger id (the local bus names it so; CDK's generated names keep the construct id). */
const isRootCaCheck = (resources: string[] | undefined) => (resources ?? []).some((arn) => /:rule\/.*MeshRootCaCheck/.test(arn));

export function parseMeshEvent(event: unknown): MeshEvent {
  const command = commandSchema.safeParse(event);
  if (command.success) return { kind: 'command', command: command.data };
  const delivered = eventBridgeSchema.safeParse(event);
  if (!delivered.success) throw new ValidationError('not a mesh command, a mesh schedule or a breaker alarm event');
  const { id, resources } = delivered.data;
  if (delivered.data['detail-type'] === 'CloudWatch Alarm State Change') {
    const alarm = alarmSchema.safeParse(event);
    if (!alarm.success) throw new ValidationError('an alarm state change without detail.alarmName and detail.state.value');
    return { kind: 'breaker-alarm', id, alarmName: alarm.data.detail.alarmName, state: alarm.data.detail.state.value };
  }
  return isRootCaCheck(resources) ? { kind: 'root-ca-check', id } : { kind: 'tick', id };
}
