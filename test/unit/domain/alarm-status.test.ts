import { describe, expect, it } from 'vitest';
import { ruleAlarmStatus } from '#domain/alarm-status.ts';

const names = ['hms-sys-AR-1-scale-out', 'hms-sys-AR-1-scale-in'];
type Existing = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
/** The alarms that exist; 'none' leaves that alarm out. */
const states = (out: string, inn: string) =>
  new Map(
    [
      [names[0]!, out],
      [names[1]!, inn],
    ]
      .filter(([, s]) => s !== 'none')
      .map(([name, s]) => [name!, s as Existing] as const),
  );

describe('ruleAlarmStatus', () => {
  it.each([
    ['OK', 'OK', 'OK'],
    ['ALARM', 'OK', 'ALARM'],
    ['OK', 'INSUFFICIENT_DATA', 'OK'],
    ['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA', 'INSUFFICIENT_DATA'],
    ['ALARM', 'none', 'missing'],
    ['none', 'none', 'missing'],
  ])('scale-out %s, scale-in %s: the rule is %s', (out, inn, expected) => {
    const status = ruleAlarmStatus(names, states(out, inn));
    expect(status.state).toBe(expected);
    expect(status.alarms.map((a) => a.state)).toEqual([out, inn].map((s) => (s === 'none' ? 'missing' : s)));
  });
});
