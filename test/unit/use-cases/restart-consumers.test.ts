import { beforeEach, describe, expect, it } from 'vitest';
import { ClusterNotFoundError, SecretAccessDeniedError } from '#ports/errors.ts';
import { consumersOf, RestartsDeferredError, restartAfterRotation, restartConsumers } from '#use-cases/restart-consumers.ts';
import { createService } from '#use-cases/services.ts';
import { memoryPorts } from './memory-ports.ts';
import { ELIGIBILITY_API } from './seeded-ports.ts';

const caller = { actor: 'role/hms-sys-consumer-restarter', requestId: 'evt-1' };
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/app-AbCdEf';
const OTHER = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/other-ZyXwVu';
let env: ReturnType<typeof memoryPorts>;

const register = (name: string, secrets: string[]) =>
  createService(env.ports, caller, { ...ELIGIBILITY_API, name, deployment: name, secrets }, { dryRun: false });

beforeEach(async () => {
  env = memoryPorts();
  await register('api-a', [SECRET]);
  await register('api-b', [SECRET, OTHER]);
  await register('api-c', [OTHER]);
});

describe('restartConsumers', () => {
  it('rolls every Deployment that reads the secret, once per version, and audits each restart', async () => {
    const report = await restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v2' }, { maxConcurrent: 3 });
    expect(report).toMatchObject({ restarted: ['api-a', 'api-b'], unchanged: [], deferred: [] });
    expect(env.ports.cluster.annotations.get('benefits/api-a')).toEqual({ 'hms.sys/secret-version': 'v2' });
    expect(env.ports.cluster.restarts.get('benefits/api-c')).toBeUndefined();

    const again = await restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v2' }, { maxConcurrent: 3 });
    expect(again).toMatchObject({ restarted: [], unchanged: ['api-a', 'api-b'] });
    expect(env.ports.cluster.restarts.get('benefits/api-a')).toBe(1);
    expect(env.ports.audit.records.filter((r) => r.action === 'secret.restart')).toHaveLength(2);
  });

  it('never has more rollouts under way than the limit: the next restart waits for one to finish', async () => {
    env.ports.cluster.holdRollouts = true;
    const waits: number[] = [];
    const sleep = async () => {
      waits.push(env.ports.cluster.unfinished.size);
      env.ports.cluster.finishRollouts();
    };
    const report = await restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v3' }, { maxConcurrent: 1, sleep });
    expect(report.restarted).toEqual(['api-a', 'api-b']);
    expect(waits).toEqual([1]);
  });

  it('retries a restart that lost a write race, and leaves what it could not start for a retry of the event', async () => {
    env.ports.cluster.restartConflicts = 2;
    await restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v4' }, { maxConcurrent: 3 });
    expect(env.ports.cluster.annotations.get('benefits/api-b')).toEqual({ 'hms.sys/secret-version': 'v4' });

    env.ports.cluster.rollingOut = 5;
    const deferred = restartConsumers(
      env.ports,
      caller,
      { secret: SECRET, versionId: 'v5' },
      {
        maxConcurrent: 2,
        startNoneAfter: Date.now() - 1,
        sleep: async () => undefined,
      },
    );
    await expect(deferred).rejects.toBeInstanceOf(RestartsDeferredError);
    await expect(deferred).rejects.toThrow(/2 consumers .* wait for a restart: api-a, api-b/);
  });
});

describe('a restart racing a Deployment whose status keeps changing', () => {
  it('waits between conflicting writes, so seven conflicts in a row still end in the restart', async () => {
    env.ports.cluster.restartConflicts = 7;
    const pauses: number[] = [];
    await restartConsumers(
      env.ports,
      caller,
      { secret: SECRET, versionId: 'v7' },
      {
        maxConcurrent: 3,
        sleep: async (ms) => {
          pauses.push(ms);
        },
      },
    );
    expect(env.ports.cluster.annotations.get('benefits/api-a')).toEqual({ 'hms.sys/secret-version': 'v7' });
    expect(pauses).toHaveLength(7);
    expect(pauses.every((ms) => ms >= 0 && ms < 1_000)).toBe(true);
  });

  it('gives up after eight conflicts in a row, so the event is retried', async () => {
    env.ports.cluster.restartConflicts = 8;
    const restart = restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v8' }, { maxConcurrent: 3, sleep: async () => undefined });
    await expect(restart).rejects.toThrow();
    expect(env.ports.cluster.annotations.get('benefits/api-a')).toBeUndefined();
  });
});

describe('a consumer whose Deployment is gone', () => {
  it('is reported missing, and the others still restart', async () => {
    const cluster = env.ports.cluster;
    const restart = cluster.restartWorkload.bind(cluster);
    cluster.restartWorkload = async (ref, annotation) => {
      if (ref.deployment === 'api-a') throw new ClusterNotFoundError('deployments.apps "api-a" not found');
      return restart(ref, annotation);
    };
    const report = await restartConsumers(env.ports, caller, { secret: SECRET, versionId: 'v6' }, { maxConcurrent: 3 });
    expect(report).toMatchObject({ missing: ['api-a'], restarted: ['api-b'] });
  });
});

describe('after a RotationSucceeded event', () => {
  const FOREIGN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:payroll/db-QwErTy';
  /** A Secrets Manager that, like AWS for a role without a grant, refuses every secret but ours. */
  const secretsReading = (calls: string[]) => ({
    describe: async (secretId: string) => {
      calls.push(secretId);
      // The AWS adapter turns AccessDeniedException into SecretAccessDeniedError.
      if (secretId !== SECRET)
        throw new SecretAccessDeniedError(
          `secret ${secretId}: not authorized to perform secretsmanager:DescribeSecret because no identity-based policy allows it`,
        );
      return {
        arn: SECRET,
        name: 'db/app',
        rotationEnabled: true,
        versions: { v1: ['AWSPREVIOUS'], v7: ['AWSCURRENT'] },
        tags: {},
        lastRotatedAt: null,
        nextRotationAt: null,
      };
    },
  });

  it('answers "not ours" for a secret no service declares, without reading it or restarting anything', async () => {
    const calls: string[] = [];
    const outcome = await restartAfterRotation({ ...env.ports, secrets: secretsReading(calls) }, caller, FOREIGN, { maxConcurrent: 3 });
    expect(outcome).toEqual({ ours: false, secret: FOREIGN });
    expect(calls).toEqual([]);
    expect(env.ports.cluster.restarts.size).toBe(0);
    expect(env.ports.audit.records.filter((r) => r.action === 'secret.restart')).toHaveLength(0);
  });

  it('for a declared secret it may not describe (not tagged for hms-sys rotation), audits a failure per consumer telling the operator to tag it, and does not throw', async () => {
    const calls: string[] = [];
    const outcome = await restartAfterRotation({ ...env.ports, secrets: secretsReading(calls) }, caller, OTHER, { maxConcurrent: 3 });
    expect(outcome).toMatchObject({ ours: true, readable: false, secret: OTHER, consumers: ['api-b', 'api-c'] });
    expect(calls).toEqual([OTHER]);
    expect(env.ports.cluster.restarts.size).toBe(0);
    const failures = env.ports.audit.records.filter((r) => r.action === 'secret.restart');
    expect(failures.map((r) => [r.target, r.outcome, r.service])).toEqual([
      ['deployment/benefits/api-b', 'failure', 'api-b'],
      ['deployment/benefits/api-c', 'failure', 'api-c'],
    ]);
    expect(failures[0]!.reasons[0]).toMatch(/not tagged hms:rotation-strategy.*Tag it hms:rotation-strategy/);
  });

  it('any other failure to describe our secret still throws, so the event is retried', async () => {
    const secrets = {
      describe: async () => {
        throw new Error('ThrottlingException: Rate exceeded');
      },
    };
    await expect(restartAfterRotation({ ...env.ports, secrets }, caller, SECRET, { maxConcurrent: 3 })).rejects.toThrow(/Rate exceeded/);
    expect(env.ports.audit.records.filter((r) => r.action === 'secret.restart')).toHaveLength(0);
  });

  it("reads our secret's AWSCURRENT version and restarts its consumers, also when the event names it by name", async () => {
    const calls: string[] = [];
    const byArn = await restartAfterRotation({ ...env.ports, secrets: secretsReading(calls) }, caller, SECRET, { maxConcurrent: 3 });
    expect(byArn).toMatchObject({ ours: true, versionId: 'v7', restarted: ['api-a', 'api-b'] });
    expect(calls).toEqual([SECRET]);
    expect(consumersOf(await env.ports.store.listServices(), 'db/app').map((s) => s.name)).toEqual(['api-a', 'api-b']);
    expect(consumersOf(await env.ports.store.listServices(), 'db/ap').map((s) => s.name)).toEqual([]);
    expect(consumersOf(await env.ports.store.listServices(), 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db/app').map((s) => s.name)).toEqual([]);
  });
});
