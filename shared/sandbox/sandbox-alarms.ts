import { readAlarmSnapshot } from '#adapters/local/alarm-persistence.ts';
import { DebouncedJsonWriter } from '#adapters/local/atomic-file.ts';
import { LocalAlarmEvaluator, type LocalAlarmEvaluatorOptions } from '#adapters/local/local-alarm-evaluator.ts';

export interface SandboxAlarms {
  alarms: LocalAlarmEvaluator;
  /** Whether alarms and datapoints were taken up from the state file. */
  resumed: boolean;
  /** Writes the state file now if anything changed since it was last written; close() calls it. */
  flush(): void;
}

/**
 * The sandbox's alarm evaluator. With a state file it resumes the alarms, their states and their
 * datapoints from it (before the rules' alarms are put again, which keeps a state as an update
 * does in CloudWatch), and writes it atomically 200 ms after each change and on flush().
 */
export function startSandboxAlarms(options: Pick<LocalAlarmEvaluatorOptions, 'clock' | 'emit'> & { stateFile?: string }): SandboxAlarms {
  const { stateFile } = options;
  let writer: DebouncedJsonWriter | undefined;
  const alarms = new LocalAlarmEvaluator({ clock: options.clock, emit: options.emit, onChange: () => writer?.changed() });
  if (stateFile === undefined) return { alarms, resumed: false, flush: () => undefined };
  const saved = readAlarmSnapshot(stateFile);
  if (saved) alarms.resume(saved);
  writer = new DebouncedJsonWriter(stateFile, () => alarms.snapshot(), 200, 'the alarm evaluator');
  return { alarms, resumed: saved !== undefined, flush: () => writer.flush() };
}
