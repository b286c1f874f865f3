import { describe, expect, it } from 'vitest';
import { RotationInProgressError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type SecretStore } from '#ports/secret-store.ts';

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

/** Labels in a fixed order: Secrets Manager does not promise one. */
async function labels(store: SecretStore, secretId: string): Promise<Record<string, string[]>> {
  const versions = (await store.describe(secretId)).versions;
  return Object.fromEntries(Object.entries(versions).map(([id, stages]) => [id, [...stages].sort()]));
}

/**
 * Secrets Manager's behaviour, as its API reference documents it, for any SecretStore.
 * `makeStore` gives an empty store for each test.
 */
export function secretStoreContract(name: string, makeStore: () => Promise<SecretStore>): void {
  describe(`${name} (SecretStore contract)`, () => {
    const create = async (store: SecretStore, secretName = 'app/db', tags: Record<string, string> = {}) =>
      store.create({ name: secretName, value: 'v1', tags, description: 'a test secret' });

    it('creates a secret whose first version is AWSCURRENT, with its tags and rotation off', async () => {
      const store = await makeStore();
      const { arn, versionId } = await create(store, 'app/db', { team: 'payments' });

      expect(await store.describe('app/db')).toEqual({
        arn,
        name: 'app/db',
        rotationEnabled: false,
        versions: { [versionId]: [AWSCURRENT] },
        tags: { team: 'payments' },
        lastRotatedAt: null,
        nextRotationAt: null,
      });
      expect(await store.getValue('app/db')).toEqual({ arn, versionId, value: 'v1', stages: [AWSCURRENT] });
    });

    it('finds a secret by its ARN as well as its name', async () => {
      const store = await makeStore();
      const { arn } = await create(store);
      expect((await store.describe(arn)).name).toBe('app/db');
      expect((await store.getValue(arn)).value).toBe('v1');
    });

    it('refuses a second secret with the same name', async () => {
      const store = await makeStore();
      await create(store);
      await expect(create(store)).rejects.toBeInstanceOf(SecretConflictError);
    });

    it('answers SecretNotFoundError for a secret that does not exist', async () => {
      const store = await makeStore();
      await expect(store.describe('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
      await expect(store.getValue('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
      await expect(store.putValue('nope', 'v', 'x', [AWSPENDING])).rejects.toBeInstanceOf(SecretNotFoundError);
      await expect(store.updateStage('nope', AWSPENDING, { toVersionId: 'v' })).rejects.toBeInstanceOf(SecretNotFoundError);
    });

    it('puts an AWSPENDING version beside AWSCURRENT and reads it by id, by stage, or both', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);

      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSCURRENT], 'token-2': [AWSPENDING] });
      expect((await store.getValue('app/db')).value).toBe('v1');
      expect((await store.getValue('app/db', { stage: AWSPENDING })).value).toBe('v2');
      expect((await store.getValue('app/db', { versionId: 'token-2' })).stages).toEqual([AWSPENDING]);
      expect((await store.getValue('app/db', { versionId: 'token-2', stage: AWSPENDING })).value).toBe('v2');
    });

    it('answers SecretNotFoundError for a version or stage that is not there, or a version without that stage', async () => {
      const store = await makeStore();
      await create(store);
      await expect(store.getValue('app/db', { stage: AWSPENDING })).rejects.toBeInstanceOf(SecretNotFoundError);
      await expect(store.getValue('app/db', { versionId: 'missing' })).rejects.toBeInstanceOf(SecretNotFoundError);
      await store.putValue('app/db', 'token-2', 'v2', ['CUSTOM']);
      await expect(store.getValue('app/db', { versionId: 'token-2', stage: AWSPENDING })).rejects.toBeInstanceOf(SecretNotFoundError);
    });

    it('ignores the same version id with the same value, and refuses it with another value', async () => {
      const store = await makeStore();
      await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);
      await expect(store.putValue('app/db', 'token-2', 'other', [AWSPENDING])).rejects.toBeInstanceOf(SecretConflictError);
      expect((await store.getValue('app/db', { versionId: 'token-2' })).value).toBe('v2');
    });

    it('moves a label put on a new version off the version that had it', async () => {
      const store = await makeStore();
      await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);
      await store.putValue('app/db', 'token-3', 'v3', [AWSPENDING]);

      const versions = (await store.describe('app/db')).versions;
      expect(versions['token-3']).toEqual([AWSPENDING]);
      expect(versions['token-2']).toBeUndefined();
      expect((await store.getValue('app/db', { versionId: 'token-2' })).value).toBe('v2');
    });

    it('makes the old AWSCURRENT AWSPREVIOUS when a new version takes AWSCURRENT, and deprecates the one before', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSCURRENT]);
      await store.putValue('app/db', 'token-3', 'v3', [AWSCURRENT]);

      expect(await labels(store, 'app/db')).toEqual({ 'token-2': [AWSPREVIOUS], 'token-3': [AWSCURRENT] });
      expect((await store.getValue('app/db', { versionId: first })).stages).toEqual([]);
      expect((await store.getValue('app/db', { stage: AWSPREVIOUS })).value).toBe('v2');
    });

    it('finishes a rotation: AWSCURRENT moves to the pending version, the old one becomes AWSPREVIOUS, AWSPENDING is removed', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);

      await store.updateStage('app/db', AWSCURRENT, { toVersionId: 'token-2', fromVersionId: first });
      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSPREVIOUS], 'token-2': [AWSCURRENT, AWSPENDING] });

      await store.updateStage('app/db', AWSPENDING, { fromVersionId: 'token-2' });
      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSPREVIOUS], 'token-2': [AWSCURRENT] });
      expect((await store.getValue('app/db')).value).toBe('v2');
    });

    it('rolls back by moving AWSCURRENT to the AWSPREVIOUS version', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSCURRENT]);

      await store.updateStage('app/db', AWSCURRENT, { toVersionId: first, fromVersionId: 'token-2' });
      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSCURRENT], 'token-2': [AWSPREVIOUS] });
    });

    it('refuses to move a label from a version that does not hold it, without naming the version that does, or to take AWSCURRENT off', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);

      await expect(store.updateStage('app/db', AWSCURRENT, { toVersionId: 'token-2', fromVersionId: 'token-2' })).rejects.toBeInstanceOf(SecretConflictError);
      await expect(store.updateStage('app/db', AWSCURRENT, { toVersionId: 'token-2' })).rejects.toBeInstanceOf(SecretConflictError);
      await expect(store.updateStage('app/db', AWSPENDING, { fromVersionId: first })).rejects.toBeInstanceOf(SecretConflictError);
      await expect(store.updateStage('app/db', AWSCURRENT, { fromVersionId: first })).rejects.toBeInstanceOf(SecretConflictError);
      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSCURRENT], 'token-2': [AWSPENDING] });
    });

    it('refuses to move a label to a version that does not exist', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await expect(store.updateStage('app/db', AWSCURRENT, { toVersionId: 'missing', fromVersionId: first })).rejects.toBeInstanceOf(SecretNotFoundError);
    });

    it('lists the labelled versions with their creation dates, leaving out deprecated ones', async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store);
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);
      await store.putValue('app/db', 'token-3', 'v3', [AWSPENDING]);

      const versions = await store.listVersions('app/db');
      expect(Object.fromEntries(versions.map((v) => [v.versionId, v.stages]))).toEqual({ [first]: [AWSCURRENT], 'token-3': [AWSPENDING] });
      for (const v of versions) expect(Number.isNaN(Date.parse(v.createdAt))).toBe(false);
      await expect(store.listVersions('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
    });

    it("refuses RotateSecret while AWSPENDING is on a version other than AWSCURRENT, that version's own token included", async () => {
      const store = await makeStore();
      const { versionId: first } = await create(store, 'app/db', { 'hms:rotation-strategy': 'random-token' });
      await store.schedule('app/db', { every: '24h', scheduleExpression: 'rate(1 day)' });
      await store.putValue('app/db', 'token-2', 'v2', [AWSPENDING]);

      for (const token of ['token-2', 'token-3', undefined]) {
        const err = await store.rotate('app/db', token).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RotationInProgressError);
        expect((err as RotationInProgressError).pendingVersionId).toBe('token-2');
      }
      // Taking AWSPENDING off the stale version (RemoveFromVersionId, no target) is what lets a rotation start again.
      await store.updateStage('app/db', AWSPENDING, { fromVersionId: 'token-2' });
      expect(await labels(store, 'app/db')).toEqual({ [first]: [AWSCURRENT] });
    });

    it('lists secrets whose tags hold every given key, with the given value where one is given', async () => {
      const store = await makeStore();
      await create(store, 'a', { 'hms:rotation-strategy': 'random-token', 'hms:rotation-policy': '24h' });
      await create(store, 'b', { 'hms:rotation-strategy': 'postgres-single-user' });
      await create(store, 'c', { 'hms:rotation-strategy-old': 'random-token' });
      await create(store, 'd', {});

      const names = async (tags: Record<string, string | undefined>) => (await store.listByTags(tags)).map((s) => s.name).sort();
      expect(await names({ 'hms:rotation-strategy': undefined })).toEqual(['a', 'b']);
      expect(await names({ 'hms:rotation-strategy': 'random-token' })).toEqual(['a']);
      expect(await names({ 'hms:rotation-strategy': undefined, 'hms:rotation-policy': undefined })).toEqual(['a']);
      expect(await names({ 'hms:rotation': undefined })).toEqual([]);
      expect(await names({})).toEqual(['a', 'b', 'c', 'd']);
    });

    it('deletes at once, and deleting a secret that is gone is fine', async () => {
      const store = await makeStore();
      const { arn } = await create(store);
      await store.delete(arn);
      await expect(store.describe('app/db')).rejects.toBeInstanceOf(SecretNotFoundError);
      await store.delete('app/db');
      expect(await store.listByTags({})).toEqual([]);
    });

    it('makes random passwords of the length asked, without excluded characters, with every included type', async () => {
      const store = await makeStore();
      const password = await store.randomPassword({ length: 40, excludeCharacters: '/@"\'\\' });
      expect(password).toHaveLength(40);
      expect(password).not.toMatch(/[/@"'\\]/);
      for (const type of [/[A-Z]/, /[a-z]/, /[0-9]/, PUNCTUATION]) expect(password).toMatch(type);

      const plain = await store.randomPassword({ length: 64, excludePunctuation: true });
      expect(plain).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(await store.randomPassword({})).toHaveLength(32);
    });
  });
}
