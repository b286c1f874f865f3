import { describe, expect, test } from 'vitest';
import { CONTEXT_KEYS, readConfig } from '../../infra/config.ts';
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
});
