import type { Construct } from 'constructs';
import type { DeadLetters } from './dead-letters.ts';
import { OneShotSchedules } from './one-shot-schedules.ts';

/** The group every one-shot burst schedule is created in. */
export const SCHEDULE_GROUP_NAME = 'hms-sys-bursts';

export interface BurstSchedulesProps {
  /** Deployed name of the burst runner; its ARN is built from it, so nothing here refers to the function. */
  readonly runnerFunctionName: string;
  /** Where Scheduler parks invocations that failed every retry. */
  readonly deadLetters: DeadLetters;
}

/** The one-shot schedules of burst steps (OneShotSchedules), which invoke the burst runner. */
export class BurstSchedules extends OneShotSchedules {
  constructor(scope: Construct, id: string, props: BurstSchedulesProps) {
    super(scope, id, {
      groupName: SCHEDULE_GROUP_NAME,
      targetFunctionName: props.runnerFunctionName,
      deadLetters: props.deadLetters,
      purpose: 'burst',
      invokeSid: 'InvokeBurstRunner',
    });
  }

  get runnerArn(): string {
    return this.targetArn;
  }

  /** What a function that sets and cancels burst schedules reads (shared/adapters/aws/config.ts). */
  get environment(): Record<string, string> {
    return {
      SCHEDULE_GROUP: this.group.scheduleGroupName,
      BURST_RUNNER_ARN: this.runnerArn,
      SCHEDULER_ROLE_ARN: this.role.roleArn,
      SCHEDULER_DLQ_ARN: this.deadLetters.queue.queueArn,
      SCHEDULER_KMS_KEY_ARN: this.key.keyArn,
    };
  }
}
