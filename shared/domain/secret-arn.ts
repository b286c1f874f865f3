/**
 * Secrets Manager secret ARNs. A full ARN ends in the secret's name, a hyphen and six random
 * characters Secrets Manager adds at creation: arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf.
 * A partial ARN (without the suffix) can find a secret in a call, but the events Secrets Manager
 * sends (RotationSucceeded's additionalEventData.SecretId) always carry the full ARN, so a
 * partial one declared by a service would never match them.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen
 */
export const FULL_SECRET_ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:secret:([A-Za-z0-9/_+=.@-]{1,512})-([A-Za-z0-9]{6})$/;
/** Any secret ARN, full or partial. */
export const ANY_SECRET_ARN = /^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

export const EXAMPLE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-db-AbCdEf';

/** The secret's name in a full ARN (the part before the six-character suffix), or null for anything else. */
export function secretNameOf(arn: string): string | null {
  const match = FULL_SECRET_ARN.exec(arn);
  return match ? match[3]! : null;
}

/**
 * Whether `secretId`, as an event or a caller names a secret, is the secret with the full ARN
 * `declaredArn`: the same ARN, or (not an ARN) the same name.
 */
export function sameSecret(declaredArn: string, secretId: string): boolean {
  if (secretId.startsWith('arn:')) return secretId === declaredArn;
  return secretNameOf(declaredArn) === secretId;
}
