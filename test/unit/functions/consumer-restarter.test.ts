import { describe, expect, it } from 'vitest';
import { createConsumerRestarterHandler, type RestarterPorts } from '#functions/consumer-restarter/consumer-restarter.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { createService } from '#use-cases/services.ts';
import { memoryPorts } from '../use-cases/memory-ports.ts';

const OURS = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/app-AbCdEf';
const FOREIGN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:payroll/db-QwErTy';

/** RotationSucceeded as EventBridge delivers it ("AWS Service Event via CloudTrail"): the full ARN in additionalEventData. */
const rotationSucceeded = (secretArn: string) => ({
  version: '0', id: 'evt-rotation-1', 'detail-type': 'AWS Service Event via CloudTrail', source: 'aws.secretsmanager',
  account: '111122223333', time: '2026-11-23T12:00:00Z', region: 'us-east-1', resources: [],
  detail: { eventSource: 'secretsmanager.amazonaws.com', eventName: 'RotationSucceeded', additionalEventData: { SecretId: secretArn } },
});

async function restarter() {
  const env = memoryPorts();
  await createService(env.ports, { actor: 'test', requestId: 'r' }, {
    name: 'api-a', cluster: 'sandbox', namespace: 'benefits', deployment: 'api-a', tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2027' }, secrets: [OURS],
  }, { dryRun: false });
  const described: string[] = [];
  const secrets = {
    describe: async (secretId: string) => {
      described.push(secretId);
      if (secretId !== OURS) throw Object.assign(new Error('AccessDeniedException'), { name: 'AccessDeniedException' });
      return { arn: OURS, name: 'db/app', rotationEnabled: true, versions: { v2: ['AWSCURRENT'] }, tags: {}, lastRotatedAt: null, nextRotationAt: null };
    },
  };
  const ports = { ...env.ports, secrets, maxConcurrentRestarts: 2 } as unknown as RestarterPorts;
  const handler = createConsumerRestarterHandler(async () => ({ ports, controllerActor: 'role/hms-sys-consumer-restarter' }));
  return { env, described, invoke: (event: unknown) => handler(event as never, lambdaContext('consumer-restarter', 300)) };
}

describe('the consumer restarter', () => {
  it('succeeds on another team\'s rotation without a Secrets Manager call, so nothing is retried or parked', async () => {
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
});
