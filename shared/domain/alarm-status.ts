/** An alarm's state as a rule's status reports it: CloudWatch's three, or `missing` when no alarm has that name. */
export type RuleAlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'missing';

export interface RuleAlarmStatus {
  /** The rule's state: `missing` if any alarm is (the rule cannot scale that way), else ALARM, OK, INSUFFICIENT_DATA. */
  state: RuleAlarmState;
  alarms: Array<{ name: string; state: RuleAlarmState }>;
}

const PRECEDENCE: readonly RuleAlarmState[] = ['missing', 'ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** Each of a rule's alarms with its state, read from the alarms that exist; a name not among them is missing. */
export function ruleAlarmStatus(names: readonly string[], existing: ReadonlyMap<string, Exclude<RuleAlarmState, 'missing'>>): RuleAlarmStatus {
  const alarms = names.map((name) => ({ name, state: existing.get(name) ?? ('missing' as const) }));
  const state = PRECEDENCE.find((candidate) => alarms.some((alarm) => alarm.state === candidate)) ?? 'missing';
  return { state, alarms };
}
