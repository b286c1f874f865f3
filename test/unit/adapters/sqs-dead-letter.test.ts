import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, expect, it } from 'vitest';
import { SqsDeadLetter } from '#adapters/aws/sqs-dead-letter.ts';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

it('sends the parked item as JSON with its source as a message attribute', async () => {
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  const client = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const deadLetter = new SqsDeadLetter({
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/hms-dlq', client,
    clock: { now: () => new Date('2026-03-01T12:00:00.000Z') },
  });

  await deadLetter.park({ source: 'role/hms-sys-scaler', reason: 'ClusterUnavailableError: 503', payload: { ruleId: 'AR-101' } });

  const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
  expect(input.QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/123456789012/hms-dlq');
  expect(JSON.parse(input.MessageBody!)).toEqual({
    source: 'role/hms-sys-scaler', reason: 'ClusterUnavailableError: 503', payload: { ruleId: 'AR-101' },
    parkedAt: '2026-03-01T12:00:00.000Z',
  });
  expect(input.MessageAttributes).toEqual({ source: { DataType: 'String', StringValue: 'role/hms-sys-scaler' } });
});
