import { describe, expect, it } from 'vitest';
import { createConsumerRestarterHandler, type RestarterPorts } from '#functions/consumer-restarter/consumer-restarter.ts';
import { SecretAccessDeniedError } from '#ports/errors.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { createService } from '#use-cases/services.ts';
import { memoryPorts } from '../use-cases/memory-ports.ts';

const OURS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/app-AbCdEf';
const FOREIGN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:payroll/db-QwErTy';
/** Declared by a service but not tagged hms:rotation-strategy, so the restarter's role may not describe it. */
const UNTAGGED = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/legacy-GhIjKl';

/** RotationSucceeded as EventBridge delivers it ("AWS Service Event via CloudTrail"): the full ARN in additionalEventData. */
const rotationSucceeded = (secretArn: string) => ({
  version: '0',
  id: 'evt-rotation-1',
  'detail-type': 'AWS Service Event via CloudTrail',
  source: 'aws.secretsmanager',
  account: '111122223333',
  time: '2026-11-23T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventSource: 'secretsmanager.amazonaws.com', eventName: 'RotationSucceeded', additionalEventData: { SecretId: secretArn } },
});

async function restarter() {
  const env = memoryPorts();
  await createService(
    env.ports,
    { actor: 'test', requestId: 'r' },
    {
      name: 'api-a',
      cluster: 'sandbox',
      namespace: 'benefits',
      deployment: 'api-a',
      tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2027' },
      secrets: [OURS, UNTAGGED],
    },
    { dryRun: false },
  );
  const described: string[] = [];
  const secrets = {
    describe: async (secretId: string) => {
      described.push(secretId);
      if (secretId !== OURS) throw new SecretAccessDeniedError(`secret ${secretId}: not authorized to perform secretsmanager:DescribeSecret`);
      return { arn: OURS, name: 'db/app', rotationEnabled: true, versions: { v2: ['AWSCURRENT'] }, tags: {}, lastRotatedAt: null, nextRotationAt: null };
    },
  };
  const ports = { ...env.ports, secrets, maxConcurrentRestarts: 2 } as unknown as RestarterPorts;
  const handler = createConsumerRestarterHandler(async () => ({ ports, controllerActor: 'role/hms-sys-consumer-restarter' }));
  return { env, described, invoke: (event: unknown) => handler(event as never, lambdaContext('consumer-restarter', 300)) };
}

describe('the consumer restarter', () => {
  it("succeeds on another team's rotation without a Secrets Manager call, so nothing is retried or parked", async () => {
    const { env, described, invoke } = await restarter();
    await expect(invoke(rotationSucceeded(FOREIGN))).resolves.toEqual({ ours: false, secret: FOREIGN });
    expect(described).toEqual([]);
    expect(env.ports.cluster.restarts.size).toBe(0);
  });

  it('restarts the consumers of its own secret onto the new AWSCURRENT version', async () => {
    const { env, described, invoke } = await restarter();
    await expect(invoke(rotationSucceeded(OURS))).resolves.toMatchObject({ ours: true, versionId: 'v2', restarted: ['api-a'] });
    expect(described).toEqual([OURS]);
    expect(env.ports.cluster.annotations.get('benefits/api-a')).toEqual({ 'hms.sys/secret-version': 'v2' });
  });

  it('ends without an error for a declared secret it may not describe, so nothing is retried or paged, and audits why', async () => {
    const { env, described, invoke } = await restarter();
    await expect(invoke(rotationSucceeded(UNTAGGED))).resolves.toMatchObject({ ours: true, readable: false, consumers: ['api-a'] });
    expect(described).toEqual([UNTAGGED]);
    expect(env.ports.cluster.restarts.size).toBe(0);
    const [audited] = env.ports.audit.records.filter((r) => r.action === 'secret.restart');
    expect(audited).toMatchObject({ outcome: 'failure', target: 'deployment/benefits/api-a' });
    expect(audited!.reasons.join(' ')).toContain('Tag it hms:rotation-strategy');
  });

  it('refuses an event that is neither a RotationSucceeded naming its secret nor a DbCredentialReplaced', async () => {
    const { invoke } = await restarter();
    const bare = rotationSucceeded(OURS);
    await expect(invoke({ ...bare, detail: { ...bare.detail, additionalEventData: {} } })).rejects.toThrow(/RotationSucceeded/);
    await expect(invoke({ ...bare, detail: { ...bare.detail, eventName: 'RotationFailed' } })).rejects.toThrow(/RotationSucceeded/);
    await expect(invoke({ id: 'e', source: 'hms.sys', 'detail-type': 'DbCredentialReplaced', detail: { service: 'api-a', secret: OURS } })).rejects.toThrow(
      /DbCredentialReplaced/,
    );
  });

  it('restarts the one service a DbCredentialReplaced event names, onto the new login', async () => {
    const { env, described, invoke } = await restarter();
    const replaced = {
      id: 'e2',
      source: 'hms.sys',
      'detail-type': 'DbCredentialReplaced',
      detail: { service: 'api-a', secret: FOREIGN, versionId: 'hms_api_a_0badcafe' },
    };
    await expect(invoke(replaced)).resolves.toMatchObject({ restarted: ['api-a'] });
    expect(described).toEqual([]);
    expect(env.ports.cluster.annotations.get('benefits/api-a')).toEqual({ 'hms.sys/secret-version': 'hms_api_a_0badcafe' });
  });
});
