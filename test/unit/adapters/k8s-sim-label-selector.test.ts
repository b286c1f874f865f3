import { describe, expect, it } from 'vitest';
import { labelMatcher } from '#adapters/local/k8s-sim/label-selector.ts';
import { SimStatusError } from '#adapters/local/k8s-sim/request-parsing.ts';

const receipt = { app: 'receipt-svc', 'app.kubernetes.io/managed-by': 'hms-sys', version: '1.0' };
const theirs = { app: 'portal' };

describe('label selectors in the simulator, as the API server reads them', () => {
  it.each([
    ['', true, true],
    ['app=receipt-svc', true, false],
    ['app==receipt-svc', true, false],
    ['app!=receipt-svc', false, true],
    ['app.kubernetes.io/managed-by', true, false],
    ['!app.kubernetes.io/managed-by', false, true],
    ['app in (receipt-svc, portal)', true, true],
    ['app notin (portal)', true, false],
    ['version notin (2.0)', true, true],
    ['app.kubernetes.io/managed-by=hms-sys,version in (1.0,1.1)', true, false],
    ['app.kubernetes.io/managed-by=hms-sys,!version', false, false],
  ])('%j matches the hms-sys pod: %s, the other: %s', (selector, first, second) => {
    const matches = labelMatcher(selector);
    expect(matches(receipt)).toBe(first);
    expect(matches(theirs)).toBe(second);
  });

  it.each(['app=a=b', 'app in a,b', 'bad key=x', '-app=x', 'app=' + 'x'.repeat(64), 'app in (a b)'])('refuses %j with a 400', (selector) => {
    expect(() => labelMatcher(selector)).toThrow(SimStatusError);
    try {
      labelMatcher(selector);
    } catch (err) {
      expect((err as SimStatusError).code).toBe(400);
    }
  });
});
