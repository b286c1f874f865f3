import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { atExpression, EventBridgeOneShotScheduler, type EventBridgeOneShotSchedulerOptions } from '#adapters/aws/eventbridge-scheduler.ts';

const scheduler = mockClient(SchedulerClient);
const now = new Date('2026-03-01T12:00:00.000Z');
const client = new SchedulerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const options: EventBridgeOneShotSchedulerOptions = {
  client,
  clock: { now: () => now },
  groupName: 'hms-sys-bursts',
  targetArn: 'arn:aws:lambda:us-east-1:111122223333:function:hms-sys-burst-runner',
  roleArn: 'arn:aws:iam::111122223333:role/hms-sys-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:111122223333:hms-sys-dlq',
};
const schedules = new EventBridgeOneShotScheduler(options);

const conflict = () => new ConflictException({ Message: 'Schedule already exists.', message: 'Schedule already exists.', $metadata: {} });
const notFound = () => new ResourceNotFoundException({ Message: 'Schedule does not exist.', message: 'Schedule does not exist.', $metadata: {} });

const expectedInput = {
  Name: 'burst-b1-scale-back',
  GroupName: 'hms-sys-bursts',
  ScheduleExpression: 'at(2026-03-01T12:20:00)',
  ScheduleExpressionTimezone: 'UTC',
  FlexibleTimeWindow: { Mode: 'OFF' },
  ActionAfterCompletion: 'DELETE',
  State: 'ENABLED',
  Target: {
    Arn: 'arn:aws:lambda:us-east-1:111122223333:function:hms-sys-burst-runner',
    RoleArn: 'arn:aws:iam::111122223333:role/hms-sys-scheduler',
    Input: '{"burstId":"b1","phase":"scale-back"}',
    RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 900 },
    DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111122223333:hms-sys-dlq' },
  },
};

beforeEach(() => scheduler.reset());

describe('EventBridgeOneShotScheduler', () => {
  it('creates a one-shot at() schedule in UTC that deletes itself and parks failures in the DLQ', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.scheduleAt('burst-b1-scale-back', new Date('2026-03-01T12:20:00.000Z'), { burstId: 'b1', phase: 'scale-back' });

    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toEqual(expectedInput);
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('adds the KMS key when one is given', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const withKey = new EventBridgeOneShotScheduler({ ...options, kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k1' });
    await withKey.scheduleAt('burst-b1-scale-back', new Date('2026-03-01T12:20:00.000Z'), { burstId: 'b1', phase: 'scale-back' });

    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.KmsKeyArn).toBe('arn:aws:kms:us-east-1:111122223333:key/k1');
  });

  it('moves an existing schedule with UpdateSchedule and every field, since update replaces them all', async () => {
    scheduler.on(CreateScheduleCommand).rejects(conflict());
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.scheduleAt('burst-b1-scale-back', new Date('2026-03-01T12:20:00.000Z'), { burstId: 'b1', phase: 'scale-back' });

    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toEqual(expectedInput);
  });

  it('creates again when the schedule fired and deleted itself between create and update', async () => {
    scheduler.on(CreateScheduleCommand).rejectsOnce(conflict()).resolves({ ScheduleArn: 'arn' });
    scheduler.on(UpdateScheduleCommand).rejects(notFound());
    await schedules.scheduleAt('burst-b1-scale-back', new Date('2026-03-01T12:20:00.000Z'), { burstId: 'b1', phase: 'scale-back' });

    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(2);
  });

  it('passes on other errors', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(schedules.scheduleAt('n', new Date('2026-03-01T12:20:00.000Z'), {})).rejects.toThrow('AccessDenied');
  });

  it('moves a time in the past, or less than a minute ahead, to one minute from now', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.scheduleAt('late', new Date('2026-03-01T11:00:00.000Z'), {});
    await schedules.scheduleAt('soon', new Date('2026-03-01T12:00:30.000Z'), {});
    await schedules.scheduleAt('later', new Date('2026-03-01T12:01:01.000Z'), {});

    const expressions = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.ScheduleExpression);
    expect(expressions).toEqual(['at(2026-03-01T12:01:00)', 'at(2026-03-01T12:01:00)', 'at(2026-03-01T12:01:01)']);
  });

  it('writes whole seconds in UTC, rounding a fraction up so the schedule never fires early', () => {
    expect(atExpression(new Date('2026-12-31T23:59:59.001Z'))).toBe('at(2027-01-01T00:00:00)');
    expect(atExpression(new Date('2026-07-04T09:05:03.000Z'))).toBe('at(2026-07-04T09:05:03)');
  });

  it('refuses names EventBridge Scheduler would refuse, before calling it', async () => {
    for (const name of ['', 'a'.repeat(65), 'burst/b1', 'burst b1', 'bürst']) {
      await expect(schedules.scheduleAt(name, new Date('2026-03-01T12:20:00.000Z'), {})).rejects.toThrow(/schedule name/);
      await expect(schedules.cancel(name)).rejects.toThrow(/schedule name/);
    }
    expect(scheduler.calls()).toHaveLength(0);
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    await schedules.scheduleAt(`A-z_0.9${'x'.repeat(56)}`, new Date('2026-03-01T12:20:00.000Z'), {});
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('refuses a retry policy outside the API limits', () => {
    expect(() => new EventBridgeOneShotScheduler({ ...options, maximumRetryAttempts: 186 })).toThrow(/maximumRetryAttempts/);
    expect(() => new EventBridgeOneShotScheduler({ ...options, maximumEventAgeSeconds: 59 })).toThrow(/maximumEventAgeSeconds/);
  });

  it('cancels with DeleteSchedule in the group, and a schedule already gone is fine', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(notFound());
    await schedules.cancel('burst-b1-scale-back');
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({ Name: 'burst-b1-scale-back', GroupName: 'hms-sys-bursts' });

    scheduler.on(DeleteScheduleCommand).rejects(new Error('Throttled'));
    await expect(schedules.cancel('burst-b1-scale-back')).rejects.toThrow('Throttled');
  });
});
