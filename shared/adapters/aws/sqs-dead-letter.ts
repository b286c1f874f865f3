import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { systemClock, type Clock } from '#ports/clock.ts';
import type { DeadLetter } from '#ports/dead-letter.ts';

export interface SqsDeadLetterOptions {
  queueUrl: string;
  /** Injected in tests; otherwise one client per container, built on first use. */
  client?: SQSClient;
  region?: string;
  clock?: Clock;
}

const clients = new Map<string, SQSClient>();

/** One client per region for the life of the container. */
function sqsClient(region: string | undefined): SQSClient {
  let client = clients.get(region ?? '');
  if (!client) {
    client = new SQSClient(region ? { region } : {});
    clients.set(region ?? '', client);
  }
  return client;
}

/** Parks failed work on an SQS queue for an operator, with its source as a filterable attribute. */
export class SqsDeadLetter implements DeadLetter {
  readonly #options: SqsDeadLetterOptions;
  readonly #clock: Clock;

  constructor(options: SqsDeadLetterOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async park(item: { source: string; reason: string; payload: unknown }): Promise<void> {
    const client = this.#options.client ?? sqsClient(this.#options.region);
    await client.send(new SendMessageCommand({
      QueueUrl: this.#options.queueUrl,
      MessageBody: JSON.stringify({
        source: item.source,
        reason: item.reason,
        payload: item.payload ?? null,
        parkedAt: this.#clock.now().toISOString(),
      }),
      MessageAttributes: { source: { DataType: 'String', StringValue: item.source } },
    }));
  }
}
