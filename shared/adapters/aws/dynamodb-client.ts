import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoDbClientConfig {
  /** A local endpoint such as dynalite's http://127.0.0.1:<port>; absent in AWS. */
  endpoint?: string;
  region?: string;
}

const clients = new Map<string, DynamoDBClient>();

/**
 * One DynamoDBClient per endpoint and region for the life of the container, built on first use.
 * A local endpoint gets dummy static credentials; in AWS the default provider chain applies.
 */
export function dynamoDbClient(config: DynamoDbClientConfig = {}): DynamoDBClient {
  const key = `${config.endpoint ?? 'aws'}|${config.region ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    // Throttling and 5xx are retried with the SDK's standard backoff, as the CloudWatch client does.
    const retry = { maxAttempts: 5, retryMode: 'standard' } as const;
    client = config.endpoint
      ? new DynamoDBClient({
          ...retry,
          endpoint: config.endpoint,
          region: config.region ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        })
      : new DynamoDBClient({ ...retry, ...(config.region ? { region: config.region } : {}) });
    clients.set(key, client);
  }
  return client;
}

/** True when a conditional write lost: the condition did not hold. */
export function isConditionFailure(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
