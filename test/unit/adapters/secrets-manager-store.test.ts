import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '#adapters/aws/secrets-manager-store.ts';
import { DependencyUnavailableError, RotationInProgressError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '#ports/secret-store.ts';

const secretsManager = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const store = new SecretsManagerStore({ client });

const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf';
const meta = { $metadata: {} };
const notFound = () => new ResourceNotFoundException({ ...meta, message: "Secrets Manager can't find the specified secret." });
const exists = () => new ResourceExistsException({ ...meta, message: "You can't use ClientRequestToken t because that value is already in use." });
const invalidParameter = () => new InvalidParameterException({ ...meta, message: 'RemoveFromVersionId does not hold the label.' });
const invalidRequest = () => new InvalidRequestException({ ...meta, message: "A previous rotation isn't complete. That rotation will be reattempted." });

beforeEach(() => secretsManager.reset());

describe('SecretsManagerStore', () => {
  it('describes a secret from DescribeSecret, leaving out versions without labels', async () => {
    secretsManager.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'app/db',
      RotationEnabled: true,
      VersionIdsToStages: { v1: [AWSPREVIOUS], v2: [AWSCURRENT], v0: [] },
      Tags: [{ Key: 'hms:rotation-strategy', Value: 'random-token' }],
      LastRotatedDate: new Date('2026-03-01T00:00:00.000Z'),
      NextRotationDate: new Date('2026-03-02T00:00:00.000Z'),
    });

    expect(await store.describe('app/db')).toEqual({
      arn: ARN,
      name: 'app/db',
      rotationEnabled: true,
      versions: { v1: [AWSPREVIOUS], v2: [AWSCURRENT] },
      tags: { 'hms:rotation-strategy': 'random-token' },
      lastRotatedAt: '2026-03-01T00:00:00.000Z',
      nextRotationAt: '2026-03-02T00:00:00.000Z',
    });
    expect(secretsManager.commandCalls(DescribeSecretCommand)[0]!.args[0].input).toEqual({ SecretId: 'app/db' });
  });

  it('reads a secret never set up for rotation as rotation off, with no dates', async () => {
    secretsManager.on(DescribeSecretCommand).resolves({ ARN, Name: 'app/db' });
    expect(await store.describe(ARN)).toMatchObject({ rotationEnabled: false, versions: {}, tags: {}, lastRotatedAt: null, nextRotationAt: null });
  });

  it('gets AWSCURRENT by default, or the version and stage asked for', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v2', SecretString: 's3cret', VersionStages: [AWSPENDING] });

    expect(await store.getValue(ARN)).toEqual({ arn: ARN, versionId: 'v2', value: 's3cret', stages: [AWSPENDING] });
    await store.getValue(ARN, { stage: AWSPENDING });
    await store.getValue(ARN, { versionId: 'v2' });
    await store.getValue(ARN, { versionId: 'v2', stage: AWSPENDING });

    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: AWSCURRENT },
      { SecretId: ARN, VersionStage: AWSPENDING },
      { SecretId: ARN, VersionId: 'v2' },
      { SecretId: ARN, VersionId: 'v2', VersionStage: AWSPENDING },
    ]);
  });

  it('refuses a binary secret rather than returning an empty value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ ARN, VersionId: 'v1', SecretBinary: new Uint8Array([1]) });
    await expect(store.getValue(ARN)).rejects.toThrow(/binary/);
  });

  it('answers SecretNotFoundError for ResourceNotFoundException, keeping the cause', async () => {
    secretsManager.on(DescribeSecretCommand).rejects(notFound());
    secretsManager.on(GetSecretValueCommand).rejects(notFound());
    secretsManager.on(PutSecretValueCommand).rejects(notFound());
    secretsManager.on(UpdateSecretVersionStageCommand).rejects(notFound());
    secretsManager.on(RotateSecretCommand).rejects(notFound());

    await expect(store.describe('gone')).rejects.toBeInstanceOf(SecretNotFoundError);
    const err = await store.getValue('gone', { versionId: 't', stage: AWSPENDING }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect((err as Error).cause).toBeInstanceOf(ResourceNotFoundException);
    await expect(store.putValue('gone', 't', 'v', [AWSPENDING])).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.updateStage('gone', AWSCURRENT, { toVersionId: 't' })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.rotate('gone')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('puts a value with the version id as ClientRequestToken and the labels as VersionStages', async () => {
    secretsManager.on(PutSecretValueCommand).resolves({ ARN, VersionId: 'token-1', VersionStages: [AWSPENDING] });
    await store.putValue(ARN, 'token-1', 'new-value', [AWSPENDING]);
    expect(secretsManager.commandCalls(PutSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      ClientRequestToken: 'token-1',
      SecretString: 'new-value',
      VersionStages: [AWSPENDING],
    });
  });

  it('answers SecretConflictError when the token is a version with another value (ResourceExistsException)', async () => {
    secretsManager.on(PutSecretValueCommand).rejects(exists());
    await expect(store.putValue(ARN, 'token-1', 'other', [AWSPENDING])).rejects.toBeInstanceOf(SecretConflictError);
  });

  it('refuses a version with no labels before calling, since PutSecretValue would make it AWSCURRENT', async () => {
    await expect(store.putValue(ARN, 'token-1', 'v', [])).rejects.toThrow(/staging label/);
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('moves and removes labels with UpdateSecretVersionStage, sending only the ids given', async () => {
    secretsManager.on(UpdateSecretVersionStageCommand).resolves({ ARN, Name: 'app/db' });
    await store.updateStage(ARN, AWSCURRENT, { toVersionId: 'token-1', fromVersionId: 'v1' });
    await store.updateStage(ARN, AWSPENDING, { fromVersionId: 'token-1' });
    await store.updateStage(ARN, 'CUSTOM', { toVersionId: 'v1' });

    expect(secretsManager.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: AWSCURRENT, MoveToVersionId: 'token-1', RemoveFromVersionId: 'v1' },
      { SecretId: ARN, VersionStage: AWSPENDING, RemoveFromVersionId: 'token-1' },
      { SecretId: ARN, VersionStage: 'CUSTOM', MoveToVersionId: 'v1' },
    ]);
  });

  it('answers SecretConflictError when the label is not on RemoveFromVersionId (InvalidParameterException)', async () => {
    secretsManager.on(UpdateSecretVersionStageCommand).rejects(invalidParameter());
    const err = await store.updateStage(ARN, AWSCURRENT, { toVersionId: 'token-1', fromVersionId: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretConflictError);
    expect((err as Error).message).toContain('RemoveFromVersionId');
  });

  it('asks GetRandomPassword for the length and exclusions given, and nothing else', async () => {
    secretsManager.on(GetRandomPasswordCommand).resolves({ RandomPassword: 'Xy7!abc' });
    expect(await store.randomPassword({ length: 40, excludeCharacters: '/@"', excludePunctuation: false })).toBe('Xy7!abc');
    await store.randomPassword({});

    expect(secretsManager.commandCalls(GetRandomPasswordCommand).map((c) => c.args[0].input)).toEqual([
      { PasswordLength: 40, ExcludeCharacters: '/@"', ExcludePunctuation: false },
      {},
    ]);
  });

  it('starts a rotation with RotateSecret, passing the token only when given, and answers the version it creates', async () => {
    secretsManager.on(RotateSecretCommand).resolvesOnce({ ARN, VersionId: 'token-1' }).resolvesOnce({ ARN, VersionId: 'made-up-by-sdk' });
    expect(await store.rotate(ARN, 'token-1')).toEqual({ versionId: 'token-1' });
    expect(await store.rotate(ARN)).toEqual({ versionId: 'made-up-by-sdk' });
    expect(secretsManager.commandCalls(RotateSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, ClientRequestToken: 'token-1' },
      { SecretId: ARN },
    ]);
  });

  it("answers RotationInProgressError when AWSPENDING is on another version than AWSCURRENT, even for that version's token", async () => {
    secretsManager.on(RotateSecretCommand).rejects(invalidRequest());
    secretsManager
      .on(DescribeSecretCommand)
      .resolves({ ARN, Name: 'app/db', RotationEnabled: true, VersionIdsToStages: { v1: [AWSCURRENT], stale: [AWSPENDING] } });
    for (const token of ['stale', undefined]) {
      const err = await store.rotate(ARN, token).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RotationInProgressError);
      expect(err).toMatchObject({ pendingVersionId: 'stale', message: expect.stringContaining("A previous rotation isn't complete") });
      expect((err as Error).cause).toBeInstanceOf(InvalidRequestException);
    }
  });

  it('answers DependencyUnavailableError for a Secrets Manager fault, and a bug as it came', async () => {
    secretsManager
      .on(RotateSecretCommand)
      .rejectsOnce(new InternalServiceError({ ...meta, message: 'internal' }))
      .rejectsOnce(new TypeError('x is not a function'));
    const err = await store.rotate(ARN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).cause).toBeInstanceOf(InternalServiceError);
    await expect(store.rotate(ARN)).rejects.toBeInstanceOf(TypeError);
  });

  it('answers a plain SecretConflictError for the other InvalidRequestExceptions (no rotation configured)', async () => {
    secretsManager
      .on(RotateSecretCommand)
      .rejects(new InvalidRequestException({ ...meta, message: 'No Lambda rotation function ARN is associated with this secret.' }));
    secretsManager.on(DescribeSecretCommand).resolves({ ARN, Name: 'app/db', VersionIdsToStages: { v1: [AWSCURRENT, AWSPENDING] } });
    const err = await store.rotate(ARN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretConflictError);
    expect(err).not.toBeInstanceOf(RotationInProgressError);
  });

  it('lists versions with ListSecretVersionIds on every page, with their CreatedDate, leaving out unlabelled ones', async () => {
    secretsManager
      .on(ListSecretVersionIdsCommand)
      .resolvesOnce({
        ARN,
        Versions: [
          { VersionId: 'v1', VersionStages: [AWSCURRENT], CreatedDate: new Date('2026-03-01T00:00:00Z') },
          { VersionId: 'old', VersionStages: [] },
        ],
        NextToken: 'p2',
      })
      .resolvesOnce({ ARN, Versions: [{ VersionId: 'stale', VersionStages: [AWSPENDING], CreatedDate: new Date('2026-03-02T05:00:00Z') }] });

    expect(await store.listVersions(ARN)).toEqual([
      { versionId: 'v1', stages: [AWSCURRENT], createdAt: '2026-03-01T00:00:00.000Z' },
      { versionId: 'stale', stages: [AWSPENDING], createdAt: '2026-03-02T05:00:00.000Z' },
    ]);
    expect(secretsManager.commandCalls(ListSecretVersionIdsCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, MaxResults: 100 },
      { SecretId: ARN, MaxResults: 100, NextToken: 'p2' },
    ]);
  });

  it('takes AWSPENDING off a stale version with RemoveFromVersionId and no MoveToVersionId', async () => {
    secretsManager.on(UpdateSecretVersionStageCommand).resolves({ ARN, Name: 'app/db' });
    await store.updateStage(ARN, AWSPENDING, { fromVersionId: 'stale' });
    expect(secretsManager.commandCalls(UpdateSecretVersionStageCommand)[0]!.args[0].input).toEqual({
      SecretId: ARN,
      VersionStage: AWSPENDING,
      RemoveFromVersionId: 'stale',
    });
  });

  it('lists by tag with a tag-key filter on every page, then keeps only exact keys and values', async () => {
    const entry = (name: string, tags: Record<string, string>) => ({
      ARN: `${ARN}-${name}`,
      Name: name,
      RotationEnabled: true,
      SecretVersionsToStages: { v1: [AWSCURRENT], old: [] },
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    secretsManager
      .on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [entry('a', { 'hms:rotation-strategy': 'random-token' }), entry('b', { 'hms:rotation-strategy-v2': 'random-token' })],
        NextToken: 'page-2',
      })
      .resolvesOnce({ SecretList: [entry('c', { 'hms:rotation-strategy': 'postgres-single-user' }), entry('d', { 'hms:rotation-strategy': 'random-token' })] });

    const found = await store.listByTags({ 'hms:rotation-strategy': 'random-token' });
    expect(found.map((s) => s.name)).toEqual(['a', 'd']);
    expect(found[0]).toEqual({
      arn: `${ARN}-a`,
      name: 'a',
      rotationEnabled: true,
      versions: { v1: [AWSCURRENT] },
      tags: { 'hms:rotation-strategy': 'random-token' },
      lastRotatedAt: null,
      nextRotationAt: null,
    });
    expect(secretsManager.commandCalls(ListSecretsCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 100, Filters: [{ Key: 'tag-key', Values: ['hms:rotation-strategy'] }] },
      { MaxResults: 100, Filters: [{ Key: 'tag-key', Values: ['hms:rotation-strategy'] }], NextToken: 'page-2' },
    ]);
  });

  it('leaves out of the filter keys ListSecrets would refuse or read as negation, and keeps at most ten', async () => {
    secretsManager.on(ListSecretsCommand).resolves({ SecretList: [] });
    const keys = ['!negated', 'has#hash', ...Array.from({ length: 11 }, (_, i) => `k${i}`)];
    await store.listByTags(Object.fromEntries(keys.map((k) => [k, undefined])));
    await store.listByTags({});

    const inputs = secretsManager.commandCalls(ListSecretsCommand).map((c) => c.args[0].input);
    expect(inputs[0]!.Filters).toEqual([{ Key: 'tag-key', Values: Array.from({ length: 10 }, (_, i) => `k${i}`) }]);
    expect(inputs[1]).toEqual({ MaxResults: 100 });
  });

  it('creates a secret with its value, tags and description, and answers its ARN and first version', async () => {
    secretsManager.on(CreateSecretCommand).resolves({ ARN, Name: 'app/db', VersionId: 'v1' });
    expect(await store.create({ name: 'app/db', value: '{"password":"p"}', tags: { team: 'a', 'hms:rotation-policy': '24h' }, description: 'db' })).toEqual({
      arn: ARN,
      versionId: 'v1',
    });
    await store.create({ name: 'other', value: 'x', tags: {} });

    expect(secretsManager.commandCalls(CreateSecretCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'app/db',
        SecretString: '{"password":"p"}',
        Description: 'db',
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'hms:rotation-policy', Value: '24h' },
        ],
      },
      { Name: 'other', SecretString: 'x', Tags: [] },
    ]);
  });

  it('answers SecretConflictError for a name already taken', async () => {
    secretsManager.on(CreateSecretCommand).rejects(exists());
    await expect(store.create({ name: 'app/db', value: 'x', tags: {} })).rejects.toBeInstanceOf(SecretConflictError);
  });

  it('deletes without a recovery window; a secret already gone is fine, other errors pass', async () => {
    secretsManager.on(DeleteSecretCommand).rejectsOnce(notFound()).rejectsOnce(new Error('AccessDenied'));
    await store.delete(ARN);
    expect(secretsManager.commandCalls(DeleteSecretCommand)[0]!.args[0].input).toEqual({ SecretId: ARN, ForceDeleteWithoutRecovery: true });
    await expect(store.delete(ARN)).rejects.toThrow('AccessDenied');
  });

  it('passes on errors it does not translate', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(invalidRequest());
    await expect(store.getValue(ARN)).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it('uses a shared client built on first use when none is injected', async () => {
    secretsManager.on(DescribeSecretCommand).resolves({ ARN, Name: 'app/db' });
    expect((await new SecretsManagerStore({ region: 'us-east-1' }).describe('app/db')).arn).toBe(ARN);
  });
});

describe('SecretsManagerStore.schedule', () => {
  it("attaches the rotation function and the policy's schedule without rotating now", async () => {
    const scheduling = new SecretsManagerStore({ client, rotationLambdaArn: 'arn:aws:lambda:us-east-1:111122223333:function:hms-sys-rotation' });
    secretsManager.on(RotateSecretCommand).resolves({});
    await scheduling.schedule(ARN, { every: '24h', scheduleExpression: 'rate(1 day)' });
    expect(secretsManager.commandCalls(RotateSecretCommand).map((c) => c.args[0].input)).toEqual([
      {
        SecretId: ARN,
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:111122223333:function:hms-sys-rotation',
        RotationRules: { ScheduleExpression: 'rate(1 day)' },
        RotateImmediately: false,
      },
    ]);
    await expect(store.schedule(ARN, { every: '24h', scheduleExpression: 'rate(1 day)' })).rejects.toThrow(/rotationLambdaArn/);
  });
});
