import { describe, expect, it } from 'vitest';
import type { ValidationError } from '#domain/errors.ts';
import { createServiceSchema, secretRefSchema } from '#domain/schemas.ts';
import { sameSecret, secretNameOf } from '#domain/secret-arn.ts';
import { parseInput } from '#domain/validation.ts';

const FULL = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:benefits/db-AbCdEf';
const PARTIAL = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:benefits/db';
const service = {
  name: 'intake',
  cluster: 'sandbox',
  namespace: 'benefits',
  deployment: 'intake',
  tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
};

function refusal(input: unknown): ValidationError {
  try {
    parseInput(createServiceSchema, input);
  } catch (err) {
    return err as ValidationError;
  }
  throw new Error('accepted');
}

describe('secret ARNs', () => {
  it('reads the name from a full ARN, in every partition, and nothing from a partial one', () => {
    expect(secretNameOf(FULL)).toBe('benefits/db');
    expect(secretNameOf('arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:x-y-Zz0123')).toBe('x-y');
    expect(secretNameOf(PARTIAL)).toBeNull();
    expect(secretNameOf(`${FULL}x`)).toBeNull();
  });

  it("matches an event's secret id by the full ARN or by the name, never by a partial ARN or another suffix", () => {
    expect(sameSecret(FULL, FULL)).toBe(true);
    expect(sameSecret(FULL, 'benefits/db')).toBe(true);
    expect(sameSecret(FULL, PARTIAL)).toBe(false);
    expect(sameSecret(FULL, `${PARTIAL}-ZzZzZz`)).toBe(false);
    expect(sameSecret(FULL, 'benefits/d')).toBe(false);
  });

  it('lets a service declare full ARNs only, refusing a partial one with field and reason', () => {
    expect(parseInput(createServiceSchema, { ...service, secrets: [FULL] }).secrets).toEqual([FULL]);
    const err = refusal({ ...service, secrets: [FULL, PARTIAL] });
    expect(err.field).toBe('secrets.1');
    expect(err.message).toMatch(/full Secrets Manager secret ARN.*six characters.*rotation events carry the full ARN/);
  });

  it('still takes a partial ARN where only a Secrets Manager call uses it', () => {
    expect(parseInput(secretRefSchema, { secret: PARTIAL }).secret).toBe(PARTIAL);
  });
});
