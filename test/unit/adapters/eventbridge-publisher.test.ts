import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '#adapters/aws/eventbridge-publisher.ts';
import type { PublishedEvent } from '#ports/events.ts';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const publisher = new EventBridgePublisher({ client });

const crossed = (i: number): PublishedEvent => ({
  detailType: 'BudgetThresholdCrossed',
  detail: { service: `svc-${i}`, thresholdPercent: 80 },
  resources: [`svc-${i}`],
});

/** Accepts every entry. */
const acceptAll = (input: { Entries?: PutEventsRequestEntry[] }) => ({
  FailedEntryCount: 0,
  Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `id-${i}` })),
});

beforeEach(() => eventBridge.reset());

describe('EventBridgePublisher', () => {
  it('puts hms.sys events with JSON detail on the default bus', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    await publisher.publish([crossed(1), { detailType: 'BurstDone', detail: { burstId: 'b1' } }]);

    expect(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input).toEqual({
      Entries: [
        {
          Source: 'hms.sys',
          DetailType: 'BudgetThresholdCrossed',
          Detail: '{"service":"svc-1","thresholdPercent":80}',
          Resources: ['svc-1'],
          EventBusName: 'default',
        },
        { Source: 'hms.sys', DetailType: 'BurstDone', Detail: '{"burstId":"b1"}', Resources: [], EventBusName: 'default' },
      ],
    });
  });

  it('uses the bus it is given and makes no call for no events', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const onBus = new EventBridgePublisher({ client, eventBusName: 'hms-sys' });
    await onBus.publish([]);
    expect(eventBridge.calls()).toHaveLength(0);

    await onBus.publish([crossed(1)]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.EventBusName).toBe('hms-sys');
  });

  it('sends at most 10 entries a call, in order', async () => {
    eventBridge.on(PutEventsCommand).callsFake(acceptAll);
    const events = Array.from({ length: 23 }, (_, i) => crossed(i));
    await publisher.publish(events);

    const batches = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((e) => e.Resources![0])).toEqual(events.map((e) => e.resources![0]));
  });

  it('sends a throttled entry once more, and succeeds when it passes', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] })
      .callsFake(acceptAll);
    await publisher.publish([crossed(1), crossed(2)]);

    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((e) => e.Resources![0])).toEqual(['svc-2']);
  });

  it('throws naming the entries refused twice, after trying every batch', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: input.Entries.filter((e) => e.Resources![0] === 'svc-3').length,
      Entries: input.Entries.map((e) => (e.Resources![0] === 'svc-3' ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: 'ok' })),
    }));
    const events = Array.from({ length: 12 }, (_, i) => crossed(i));

    await expect(publisher.publish(events)).rejects.toThrow('EventBridge refused 1 of 12 events: BudgetThresholdCrossed: InternalFailure try again');
    const batches = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!.length);
    expect(batches).toEqual([10, 1, 2]);
  });

  it('does not resend an entry refused for good', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    await expect(publisher.publish([crossed(1)])).rejects.toThrow(/MalformedDetail Detail is malformed\./);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
