import { MissingConfigError } from './config.ts';

/** What the functions with the audit archive's needs read, once, at the edge (infra/constructs/audit-archive.ts sets it). */
export interface AuditArchiveConfig {
  /** HMS_AUDIT_BUCKET: the Object Lock bucket. */
  readonly bucket: string;
  /** HMS_AUDIT_SIGNING_KEY_ID: the KMS signing key's id or ARN. */
  readonly signingKeyId: string;
  /** HMS_AUDIT_RETENTION_DAYS: how long each object stays locked; 365 by default. */
  readonly retentionDays: number;
  /** HMS_AUDIT_HOT_DAYS: how long records stay in the table before the prune; 90 by default. */
  readonly hotDays: number;
}

function days(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new MissingConfigError(`${name} (a whole number of days, at least 1, got "${raw}")`);
  return value;
}

export function readAuditArchiveConfig(env: NodeJS.ProcessEnv): AuditArchiveConfig {
  const bucket = env.HMS_AUDIT_BUCKET;
  if (!bucket) throw new MissingConfigError('HMS_AUDIT_BUCKET');
  const signingKeyId = env.HMS_AUDIT_SIGNING_KEY_ID;
  if (!signingKeyId) throw new MissingConfigError('HMS_AUDIT_SIGNING_KEY_ID');
  const retentionDays = days(env, 'HMS_AUDIT_RETENTION_DAYS', 365);
  const hotDays = days(env, 'HMS_AUDIT_HOT_DAYS', 90);
  if (hotDays > retentionDays) throw new MissingConfigError(`HMS_AUDIT_HOT_DAYS (${hotDays}) longer than HMS_AUDIT_RETENTION_DAYS (${retentionDays})`);
  return Object.freeze({ bucket, signingKeyId, retentionDays, hotDays });
}
