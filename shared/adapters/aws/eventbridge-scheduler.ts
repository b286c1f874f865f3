import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { OneShotScheduler } from '#ports/scheduler.ts';

export interface EventBridgeOneShotSchedulerOptions {
  region?: string;
  /** The schedule group every schedule goes in. */
  groupName: string;
  /** The burst runner Lambda's ARN. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the target. */
  roleArn: string;
  /** The SQS queue that receives invocations that failed every retry. */
  deadLetterArn: string;
  /** Customer managed key for the schedules; AWS owned key when absent. */
  kmsKeyArn?: string;
  /** Defaults to RETRY_ATTEMPTS. */
  maximumRetryAttempts?: number;
  /** Defaults to RETRY_MAX_AGE_SECONDS. */
  maximumEventAgeSeconds?: number;
  /** Injected in tests; otherwise built on first use. */
  client?: SchedulerClient;
  clock?: Clock;
}

/**
 * Retries are for a target that is briefly unavailable (throttled, cold). The AWS defaults
 * (185 attempts over 24 h) would park a failing scale-back in the DLQ only a day later; the
 * runner's minute tick finds overdue work anyway, so a short tail and an early DLQ entry are better.
 */
export const RETRY_ATTEMPTS = 10;
export const RETRY_MAX_AGE_SECONDS = 15 * 60;
/**
 * Scheduler invokes with 60-second precision, and a time already past is refused or never
 * fires; anything sooner than this is moved to now + this lead.
 */
export const MIN_LEAD_MS = 60_000;

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second so it never fires early. */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

export function assertScheduleName(name: string): void {
  if (!NAME.test(name)) throw new Error(`schedule name ${JSON.stringify(name)} must be 1-64 of [0-9A-Za-z_.-]`);
}

/** The limits RetryPolicy takes (EventBridge Scheduler API reference, RetryPolicy). */
function assertRange(what: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new Error(`${what} must be an integer from ${min} to ${max}`);
  }
}

/**
 * One-shot EventBridge Scheduler schedules that invoke the burst runner with their payload
 * and delete themselves after firing.
 */
export class EventBridgeOneShotScheduler implements OneShotScheduler {
  readonly #options: EventBridgeOneShotSchedulerOptions;
  #built: SchedulerClient | undefined;
  readonly #clock: Clock;

  constructor(options: EventBridgeOneShotSchedulerOptions) {
    assertRange('maximumRetryAttempts', options.maximumRetryAttempts, 0, 185);
    assertRange('maximumEventAgeSeconds', options.maximumEventAgeSeconds, 60, 86_400);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Built on first use, throttling retried with backoff. */
  get #client(): SchedulerClient {
    this.#built ??=
      this.#options.client ?? new SchedulerClient({ ...(this.#options.region ? { region: this.#options.region } : {}), maxAttempts: 5, retryMode: 'standard' });
    return this.#built;
  }

  /** Creates the schedule; one of that name is updated instead (UpdateSchedule replaces every field). */
  async scheduleAt(name: string, at: Date, payload: Record<string, unknown>): Promise<void> {
    assertScheduleName(name);
    if (Number.isNaN(at.getTime())) throw new Error(`schedule ${name} has an invalid time`);
    const input = this.#input(name, at, payload);
    try {
      await this.#client.send(new CreateScheduleCommand(input));
    } catch (err) {
      if (!(err instanceof ConflictException)) throw err;
      try {
        await this.#client.send(new UpdateScheduleCommand(input));
      } catch (updateErr) {
        // It fired and deleted itself between the two calls: create it afresh.
        if (!(updateErr instanceof ResourceNotFoundException)) throw updateErr;
        await this.#client.send(new CreateScheduleCommand(input));
      }
    }
  }

  async cancel(name: string): Promise<void> {
    assertScheduleName(name);
    try {
      await this.#client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.#options.groupName }));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }

  #input(name: string, at: Date, payload: Record<string, unknown>): CreateScheduleInput {
    const earliest = this.#clock.now().getTime() + MIN_LEAD_MS;
    const fireAt = at.getTime() < earliest ? new Date(earliest) : at;
    const o = this.#options;
    return {
      Name: name,
      GroupName: o.groupName,
      ScheduleExpression: atExpression(fireAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: o.targetArn,
        RoleArn: o.roleArn,
        Input: JSON.stringify(payload),
        RetryPolicy: {
          MaximumRetryAttempts: o.maximumRetryAttempts ?? RETRY_ATTEMPTS,
          MaximumEventAgeInSeconds: o.maximumEventAgeSeconds ?? RETRY_MAX_AGE_SECONDS,
        },
        DeadLetterConfig: { Arn: o.deadLetterArn },
      },
      ...(o.kmsKeyArn ? { KmsKeyArn: o.kmsKeyArn } : {}),
    };
  }
}
