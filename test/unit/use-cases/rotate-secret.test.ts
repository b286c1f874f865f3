import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '#adapters/aws/secrets-manager-store.ts';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS, type RotationStep } from '#domain/rotation.ts';
import type { Database } from '#ports/database.ts';
import { RotationInProgressError } from '#ports/errors.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '#ports/secret-store.ts';
import { runRotationStep } from '#use-cases/rotate-secret.ts';
import { MemoryAuditOutbox } from './memory-outbox.ts';
import { MemoryAudit } from './memory-stores.ts';

const clock = { now: () => new Date('2026-11-23T12:00:00Z') };
const noDatabase = {} as Database;
const ROTATION_CALLER = { actor: 'role/hms-sys-rotation', requestId: 'rotation' };

/** Runs the protocol as Secrets Manager does: the four steps with one token, in order. */
async function rotateFully(ports: RotationPorts, secretArn: string, token: string, steps: readonly RotationStep[] = ROTATION_STEPS) {
  for (const Step of steps) await runRotationStep(ports, { SecretId: secretArn, ClientRequestToken: token, Step }, ROTATION_CALLER);
}

describe('the rotation protocol on a random token (local store)', () => {
  let store: LocalSecretStore;
  let ports: RotationPorts;
  let arn: string;
  let firstVersion: string;

  beforeEach(async () => {
    store = new LocalSecretStore({ clock });
    ports = { secrets: store, database: noDatabase, audit: new MemoryAudit(), auditOutbox: new MemoryAuditOutbox(), clock };
    ({ arn, versionId: firstVersion } = await store.create({
      name: 'app/api-token',
      value: 'first-token',
      tags: { 'hms:rotation-strategy': 'random-token', 'hms:exclude-characters': 'abcdefABCDEF0123' },
    }));
    await store.enableRotation(arn, { rotateEvery: '24h' });
    store.setOnRotate((secretArn, token) => rotateFully(ports, secretArn, token));
  });

  it('makes a new value AWSCURRENT, keeps the old as AWSPREVIOUS and respects the excluded characters', async () => {
    await store.rotate(arn, 'token-1');
    await store.settled();
    const current = await store.getValue(arn);
    expect(current).toMatchObject({ versionId: 'token-1', stages: [AWSCURRENT] });
    expect(current.value).toHaveLength(32);
    expect(current.value).not.toMatch(/[a-fA-F0-3]/);
    expect((await store.getValue(arn, { stage: AWSPREVIOUS })).versionId).toBe(firstVersion);
    expect((await store.describe(arn)).versions['token-1']).toEqual([AWSCURRENT]);
  });

  it('refuses a token that is not a version, or not AWSPENDING, and answers a repeated finish as done', async () => {
    const step = (ClientRequestToken: string, Step: RotationStep = 'setSecret') =>
      runRotationStep(ports, { SecretId: arn, ClientRequestToken, Step }, ROTATION_CALLER);
    await expect(step('no-such-token')).rejects.toThrow(/has no stage for rotation/);
    await store.rotate(arn, 'token-1');
    await store.settled();
    await expect(step(firstVersion)).rejects.toThrow(/is not AWSPENDING/);
    expect(await step('token-1', 'finishSecret')).toMatchObject({ outcome: 'already-current' });
  });

  it('refuses to rotate a secret whose rotation is off', async () => {
    const other = await store.create({ name: 'app/off', value: 'v', tags: { 'hms:rotation-strategy': 'random-token' } });
    await expect(runRotationStep(ports, { SecretId: other.arn, ClientRequestToken: other.versionId, Step: 'createSecret' }, ROTATION_CALLER)).rejects.toThrow(
      /not enabled/,
    );
  });

  it.each(ROTATION_STEPS.map((_, i) => i))('completes after a crash following step %i, keeping the first pending value', async (crashAfter) => {
    store.setOnRotate(async (secretArn, token) => {
      await rotateFully(ports, secretArn, token, ROTATION_STEPS.slice(0, crashAfter + 1));
      throw new Error('the function timed out');
    });
    await store.rotate(arn, 'token-1');
    await expect(store.settled()).rejects.toThrow(/timed out/);
    // Until finishSecret has run, AWSCURRENT is still the working first value.
    const before = await store.getValue(arn);
    if (crashAfter < 3) expect(before.value).toBe('first-token');
    else expect(before.versionId).toBe('token-1');
    const pending = crashAfter < 3 ? (await store.getValue(arn, { versionId: 'token-1' })).value : null;

    if (crashAfter < 3) {
      // RotateSecret refuses the same token while it is AWSPENDING; Secrets Manager's own retry runs the steps again.
      await expect(store.rotate(arn, 'token-1')).rejects.toBeInstanceOf(RotationInProgressError);
      await rotateFully(ports, arn, 'token-1');
    }
    const current = await store.getValue(arn);
    expect(current.versionId).toBe('token-1');
    if (pending !== null) expect(current.value).toBe(pending);
    expect((await store.describe(arn)).versions['token-1']).toEqual([AWSCURRENT]);
  });
});

describe('the rotation protocol against Secrets Manager (aws-sdk-client-mock)', () => {
  const sm = mockClient(SecretsManagerClient);
  const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app/api-token-AbCdEf';
  const ports: RotationPorts = {
    secrets: new SecretsManagerStore({ client: new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }) }),
    database: noDatabase,
    audit: new MemoryAudit(),
    auditOutbox: new MemoryAuditOutbox(),
    clock,
  };
  const run = (Step: RotationStep) => runRotationStep(ports, { SecretId: ARN, ClientRequestToken: 'tok-2', Step }, ROTATION_CALLER);

  beforeEach(() => {
    sm.reset();
    sm.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'app/api-token',
      RotationEnabled: true,
      VersionIdsToStages: { 'tok-1': [AWSCURRENT], 'tok-2': [AWSPENDING] },
      Tags: [{ Key: 'hms:rotation-strategy', Value: 'random-token' }],
    });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: AWSCURRENT }).resolves({
      ARN,
      VersionId: 'tok-1',
      SecretString: 'old',
      VersionStages: [AWSCURRENT],
    });
  });

  it('createSecret puts AWSPENDING under the token only when the token has no value yet', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'tok-2', VersionStage: AWSPENDING }).rejects(
      new ResourceNotFoundException({ $metadata: {}, message: 'no value' }),
    );
    sm.on(GetRandomPasswordCommand).resolves({ RandomPassword: 'n3w-t0ken' });
    await run('createSecret');
    expect(sm.commandCalls(GetRandomPasswordCommand)[0]!.args[0].input).toMatchObject({ PasswordLength: 32, ExcludeCharacters: '/@"\'\\' });
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, ClientRequestToken: 'tok-2', SecretString: 'n3w-t0ken', VersionStages: [AWSPENDING] },
    ]);

    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: 'tok-2', VersionStage: AWSPENDING }).resolves({
      ARN,
      VersionId: 'tok-2',
      SecretString: 'n3w-t0ken',
    });
    await run('createSecret');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  it('finishSecret moves AWSCURRENT from the old version to the token, then drops AWSPENDING', async () => {
    await run('finishSecret');
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: AWSCURRENT, MoveToVersionId: 'tok-2', RemoveFromVersionId: 'tok-1' },
      { SecretId: ARN, VersionStage: AWSPENDING, RemoveFromVersionId: 'tok-2' },
    ]);
  });

  it('a token that already holds AWSCURRENT changes nothing', async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'app/api-token',
      RotationEnabled: true,
      VersionIdsToStages: { 'tok-2': [AWSCURRENT], 'tok-1': [AWSPREVIOUS] },
      Tags: [{ Key: 'hms:rotation-strategy', Value: 'random-token' }],
    });
    expect(await run('finishSecret')).toMatchObject({ outcome: 'already-current' });
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});
