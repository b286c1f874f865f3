import type { Tag } from '@aws-sdk/client-secrets-manager';
import type { SecretDescription } from '#ports/secret-store.ts';

/** The fields DescribeSecret and ListSecrets entries share, with their version-to-labels map under one name. */
export interface SecretFields {
  ARN?: string | undefined;
  Name?: string | undefined;
  RotationEnabled?: boolean | undefined;
  LastRotatedDate?: Date | undefined;
  NextRotationDate?: Date | undefined;
  Tags?: Tag[] | undefined;
  versions: Record<string, string[]> | undefined;
}

/** DescribeSecret and ListSecrets entries alike; versions without labels (deprecated) are left out. */
export function description(fields: SecretFields): SecretDescription {
  return {
    arn: fields.ARN ?? '',
    name: fields.Name ?? '',
    rotationEnabled: fields.RotationEnabled === true,
    versions: Object.fromEntries(Object.entries(fields.versions ?? {}).filter(([, stages]) => stages.length > 0)),
    tags: Object.fromEntries((fields.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
    lastRotatedAt: fields.LastRotatedDate ? fields.LastRotatedDate.toISOString() : null,
    nextRotationAt: fields.NextRotationDate ? fields.NextRotationDate.toISOString() : null,
  };
}
