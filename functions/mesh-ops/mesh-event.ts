import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';
import { dnsLabel } from '#domain/schemas.ts';
import type { MeshCommand } from './triggers.ts';

/**
 * What invokes the mesh-ops function besides its routes: a one-shot EventBridge Scheduler schedule
 * delivers its Input, the MeshCommand, as the whole payload; MeshTick and MeshRootCaCheck are
 * EventBridge "Scheduled Event"s told apart by their rule's name; the breaker alarm is a
 * "CloudWatch Alarm State Change".
 */
const commandSchema = z.strictObject({
  action: z.enum(['resume', 'close-breaker']),
  service: dnsLabel,
  until: z.iso.datetime({ offset: true }),
  closedAt: z.optional(z.iso.datetime({ offset: true })),
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
  /** A schedule whose rule name says neither (CloudFormation truncates long generated names): both run. */
  | { kind: 'schedule'; id: string }
  | { kind: 'breaker-alarm'; id: string; alarmName: string; state: string };

/**
 * The schedule rule's name carries its trigger id: the local bus names it so, and CloudFormation's
 * generated names keep the construct id, unless a long stack name truncates it.
 */
const ruleNamed = (resources: string[] | undefined, id: string) => (resources ?? []).some((arn) => arn.includes(':rule/') && arn.includes(id));

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
  if (ruleNamed(resources, 'MeshRootCaCheck')) return { kind: 'root-ca-check', id };
  if (ruleNamed(resources, 'MeshTick') || resources === undefined) return { kind: 'tick', id };
  return { kind: 'schedule', id };
}
