import * as z from 'zod/mini';
import { ValidationError } from '#domain/errors.ts';
import { EVENT_SOURCE } from '#ports/events.ts';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * RotationSucceeded as EventBridge delivers Secrets Manager's CloudTrail events: the service-event
 * form names the secret in additionalEventData.SecretId, the API-call form in requestParameters.secretId.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html
 */
const rotationSucceededSchema = z.object({
  id: nonEmpty,
  source: z.literal('aws.secretsmanager'),
  'detail-type': z.enum(['AWS Service Event via CloudTrail', 'AWS API Call via CloudTrail']),
  detail: z.object({
    eventName: z.literal('RotationSucceeded'),
    additionalEventData: z.nullish(z.object({ SecretId: z.optional(nonEmpty) })),
    // CloudTrail writes null for a service event's requestParameters.
    requestParameters: z.nullish(z.object({ secretId: z.optional(nonEmpty) })),
  }),
});

/** hms-sys's own event: a service got a new short-lived database login (shared/use-cases/issue-db-credential.ts). */
const credentialReplacedSchema = z.object({
  id: nonEmpty,
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal('DbCredentialReplaced'),
  detail: z.object({ service: nonEmpty, secret: nonEmpty, versionId: nonEmpty }),
});

export interface RestartEvent {
  id: string;
  secret: string;
  /** A replaced credential: the one service to restart, onto this version. */
  replaced?: { service: string; versionId: string };
}

/** The secret a RotationSucceeded event is about, or the credential a DbCredentialReplaced event names; anything else is refused. */
export function parseRestartEvent(event: unknown): RestartEvent {
  const replaced = credentialReplacedSchema.safeParse(event);
  if (replaced.success) {
    const { id, detail } = replaced.data;
    return { id, secret: detail.secret, replaced: { service: detail.service, versionId: detail.versionId } };
  }
  const rotated = rotationSucceededSchema.safeParse(event);
  const secret = rotated.success ? (rotated.data.detail.additionalEventData?.SecretId ?? rotated.data.detail.requestParameters?.secretId) : undefined;
  if (!rotated.success || secret === undefined) {
    throw new ValidationError('neither a Secrets Manager RotationSucceeded event naming its secret nor an hms.sys DbCredentialReplaced event');
  }
  return { id: rotated.data.id, secret };
}
