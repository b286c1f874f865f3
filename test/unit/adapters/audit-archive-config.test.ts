import { describe, expect, it } from 'vitest';
import { readAuditArchiveConfig } from '#adapters/aws/audit-archive-config.ts';

const env = { HMS_AUDIT_BUCKET: 'hms-sys-audit-archive-1', HMS_AUDIT_SIGNING_KEY_ID: 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/k' };

describe('the audit archive config, read at the edge', () => {
  it('defaults to 365 days of retention and 90 days in the table', () => {
    expect(readAuditArchiveConfig(env)).toEqual({ bucket: env.HMS_AUDIT_BUCKET, signingKeyId: env.HMS_AUDIT_SIGNING_KEY_ID, retentionDays: 365, hotDays: 90 });
    expect(readAuditArchiveConfig({ ...env, HMS_AUDIT_RETENTION_DAYS: '913', HMS_AUDIT_HOT_DAYS: '120' })).toMatchObject({ retentionDays: 913, hotDays: 120 });
  });

  it('fails at start naming what is missing or wrong', () => {
    expect(() => readAuditArchiveConfig({ HMS_AUDIT_SIGNING_KEY_ID: 'k' })).toThrow('HMS_AUDIT_BUCKET');
    expect(() => readAuditArchiveConfig({ HMS_AUDIT_BUCKET: 'b' })).toThrow('HMS_AUDIT_SIGNING_KEY_ID');
    expect(() => readAuditArchiveConfig({ ...env, HMS_AUDIT_RETENTION_DAYS: '1.5' })).toThrow(
      'HMS_AUDIT_RETENTION_DAYS (a whole number of days, at least 1, got "1.5")',
    );
    expect(() => readAuditArchiveConfig({ ...env, HMS_AUDIT_RETENTION_DAYS: '30' })).toThrow(
      'HMS_AUDIT_HOT_DAYS (90) longer than HMS_AUDIT_RETENTION_DAYS (30)',
    );
  });
});
