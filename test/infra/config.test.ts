import { describe, expect, test } from 'vitest';
import { CONTEXT_KEYS, OPTIONAL_CONTEXT_KEYS, readConfig } from '../../infra/config.ts';
import { TEST_CONTEXT } from './stack-fixture.ts';

const readerOf = (context: Record<string, unknown>) => (key: string) => context[key];

describe('readConfig', () => {
  test('reads comma lists from -c strings and arrays from cdk.json alike, trimmed and de-duplicated', () => {
    const fromString = readConfig(readerOf({ ...TEST_CONTEXT, 'hms:namespaces': ' benefits , payments,benefits' }));
    const fromArray = readConfig(readerOf({ ...TEST_CONTEXT, 'hms:namespaces': ['benefits', 'payments'] }));
    expect(fromString.namespaces).toEqual(['benefits', 'payments']);
    expect(fromArray.namespaces).toEqual(['benefits', 'payments']);
    expect(fromString.subnetIds).toEqual(TEST_CONTEXT['hms:subnetIds'].split(','));
  });

  test('returns a frozen config', () => {
    const config = readConfig(readerOf(TEST_CONTEXT));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.namespaces)).toBe(true);
  });

  test.each(Object.values(CONTEXT_KEYS))('a missing %s fails with a message naming it', (key) => {
    const context: Record<string, unknown> = { ...TEST_CONTEXT };
    delete context[key];
    expect(() => readConfig(readerOf(context))).toThrow(`Missing context value "${key}"`);
  });

  test.each([
    ['hms:vpcId', 'my-vpc'],
    ['hms:subnetIds', 'subnet-0123456789abcdef1,sn-2'],
    ['hms:namespaces', 'Benefits'],
    ['hms:clusterName', 'agency prod'],
    ['hms:jwtIssuer', 'http://issuer.example.test'],
    ['hms:jwtAudience', ' , '],
  ])('a malformed %s (%s) fails with a message naming it', (key, value) => {
    expect(() => readConfig(readerOf({ ...TEST_CONTEXT, [key]: value }))).toThrow(`Malformed context value "${key}"`);
  });

  test("hms:auditIndexes defaults to today's indexes and takes an upgrade step, in a fixed order", () => {
    const key = OPTIONAL_CONTEXT_KEYS.auditIndexes;
    expect(key).toBe('hms:auditIndexes');
    expect(readConfig(readerOf(TEST_CONTEXT)).auditIndexes).toEqual(['byTimeShard', 'byStreamTime']);
    expect(readConfig(readerOf({ ...TEST_CONTEXT, [key]: ' byTimeShard , byTime' })).auditIndexes).toEqual(['byTime', 'byTimeShard']);
    expect(readConfig(readerOf({ ...TEST_CONTEXT, [key]: ['byTime'] })).auditIndexes).toEqual(['byTime']);
    expect(Object.isFrozen(readConfig(readerOf({ ...TEST_CONTEXT, [key]: 'byTime' })).auditIndexes)).toBe(true);
  });

  test.each([
    ['byTme,byTimeShard', 'unknown audit index "byTme"'],
    ['byTime,byTime', 'listed twice'],
    ['byStreamTime', 'needs byTime or byTimeShard'],
    [' , ', 'needs byTime or byTimeShard'],
    [3, 'expected a comma-separated list'],
  ])('a malformed hms:auditIndexes (%s) fails saying why', (value, message) => {
    const read = () => readConfig(readerOf({ ...TEST_CONTEXT, 'hms:auditIndexes': value }));
    expect(read).toThrow('Malformed context value "hms:auditIndexes"');
    expect(read).toThrow(message);
  });

  test('hms:maxConcurrentRestarts defaults to 3 and takes a whole number of at least 1', () => {
    const key = OPTIONAL_CONTEXT_KEYS.maxConcurrentRestarts;
    expect(readConfig(readerOf(TEST_CONTEXT)).maxConcurrentRestarts).toBe(3);
    expect(readConfig(readerOf({ ...TEST_CONTEXT, [key]: '5' })).maxConcurrentRestarts).toBe(5);
    expect(readConfig(readerOf({ ...TEST_CONTEXT, [key]: 2 })).maxConcurrentRestarts).toBe(2);
    for (const bad of ['0', 'many', 1.5]) expect(() => readConfig(readerOf({ ...TEST_CONTEXT, [key]: bad }))).toThrow(`Malformed context value "${key}"`);
  });

  test('hms:meshMode defaults to sidecar and takes sidecar or ambient only', () => {
    const key = OPTIONAL_CONTEXT_KEYS.meshMode;
    expect(readConfig(readerOf(TEST_CONTEXT)).meshMode).toBe('sidecar');
    expect(readConfig(readerOf({ ...TEST_CONTEXT, [key]: 'ambient' })).meshMode).toBe('ambient');
    for (const bad of ['Ambient', 'none', 1, true])
      expect(() => readConfig(readerOf({ ...TEST_CONTEXT, [key]: bad }))).toThrow(`Malformed context value "${key}"`);
  });

  describe('hms:rotatedSecrets', () => {
    const key = OPTIONAL_CONTEXT_KEYS.rotatedSecrets;
    const arn = 'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:benefits/db=app-Ab12Cd';
    const read = (value: unknown) => readConfig(readerOf({ ...TEST_CONTEXT, [key]: value })).rotatedSecrets;

    test('may be left out, or empty', () => {
      const context: Record<string, unknown> = { ...TEST_CONTEXT };
      delete context[key];
      expect(readConfig(readerOf(context)).rotatedSecrets).toEqual([]);
      expect(read([])).toEqual([]);
      expect(read('')).toEqual([]);
    });

    test('takes <arn>=<policy> or a bare ARN (24h), from a list or a comma-separated string, keeping an = in the name', () => {
      const expected = [
        { arn, policy: '12h', scheduleExpression: 'rate(12 hours)' },
        { arn: arn.replace('db=app', 'token'), policy: '24h', scheduleExpression: 'rate(1 day)' },
        { arn: arn.replace('db=app', 'weekly'), policy: '7d', scheduleExpression: 'rate(7 days)' },
      ];
      const entries = [`${arn}=12h`, arn.replace('db=app', 'token'), `${arn.replace('db=app', 'weekly')}=7d`];
      expect(read(entries)).toEqual(expected);
      expect(read(entries.join(' , '))).toEqual(expected);
    });

    test.each([
      ['a name without the six-character suffix', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db', 'not a full secret ARN'],
      ['another service', 'arn:aws:ssm:us-east-1:111122223333:parameter/db-Ab12Cd', 'not a full secret ARN'],
      ['a policy below 4 hours', `${arn}=2h`, 'at least 4h'],
      ['hours past a day that are not whole days', `${arn}=36h`, 'every whole number of days'],
      ['the same secret twice', [arn, `${arn}=7d`], 'listed twice'],
    ])('refuses %s', (_what, value, message) => {
      expect(() => read(value)).toThrow(`Malformed context value "${key}"`);
      expect(() => read(value)).toThrow(message);
    });
  });
});
