import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { LocalSecretStore, type RotationCallback, SECRETS_FILE } from '#adapters/local/local-secret-store.ts';
import { MAX_DEPRECATED_VERSIONS } from '#adapters/local/secret-versions.ts';
import { PortError, RotationInProgressError, SecretConflictError, SecretNotFoundError } from '#ports/errors.ts';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '#ports/secret-store.ts';
import { secretStoreContract } from './secret-store-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'hms-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `store-${++dirs}`);

secretStoreContract('LocalSecretStore in memory', async () => new LocalSecretStore());
secretStoreContract('LocalSecretStore on disk', async () => new LocalSecretStore({ dataDir: freshDir() }));

const created = new Date('2026-03-01T12:00:00.000Z');
function clockAt(start: Date) {
  let now = start;
  return {
    now: () => now,
    set: (at: Date) => {
      now = at;
    },
  };
}

/** What the rotation handler does over its four steps, done directly on the store. */
function rotatingTo(store: LocalSecretStore, value: string): RotationCallback {
  return async (arn, token) => {
    await store.putValue(arn, token, value, [AWSPENDING]);
    const current = Object.entries((await store.describe(arn)).versions).find(([, s]) => s.includes(AWSCURRENT))![0];
    await store.updateStage(arn, AWSCURRENT, { toVersionId: token, fromVersionId: current });
    await store.updateStage(arn, AWSPENDING, { fromVersionId: token });
  };
}

describe('LocalSecretStore', () => {
  it('makes ARNs in the Secrets Manager form: region, a local account, the name and six random characters', async () => {
    const store = new LocalSecretStore({ region: 'eu-west-1' });
    const { arn } = await store.create({ name: 'app/db', value: 'v', tags: {} });
    expect(arn).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:app\/db-[A-Za-z0-9]{6}$/);
  });

  it('refuses names Secrets Manager refuses', async () => {
    const store = new LocalSecretStore();
    for (const name of ['', 'has space', 'semi;colon', 'x'.repeat(513)]) {
      await expect(store.create({ name, value: 'v', tags: {} })).rejects.toThrow(/secret name/);
    }
    await store.create({ name: 'A-z_0/+=.@', value: 'v', tags: {} });
  });

  it('refuses a version with no labels', async () => {
    const store = new LocalSecretStore();
    await store.create({ name: 's', value: 'v', tags: {} });
    await expect(store.putValue('s', 'token', 'v2', [])).rejects.toBeInstanceOf(PortError);
  });

  it('keeps the newest deprecated versions, readable by id, and forgets the oldest beyond the cap', async () => {
    const store = new LocalSecretStore();
    const { versionId: first } = await store.create({ name: 's', value: 'v0', tags: {} });
    const total = MAX_DEPRECATED_VERSIONS + 5;
    for (let i = 1; i <= total; i++) await store.putValue('s', `token-${i}`, `v${i}`, [AWSCURRENT]);

    // Versions 0 .. total-2 are deprecated: total-1 of them, of which the cap is kept.
    await expect(store.getValue('s', { versionId: first })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.getValue('s', { versionId: 'token-3' })).rejects.toBeInstanceOf(SecretNotFoundError);
    expect((await store.getValue('s', { versionId: 'token-4' })).value).toBe('v4');
    expect((await store.getValue('s', { stage: AWSPREVIOUS })).versionId).toBe(`token-${total - 1}`);
  });

  describe('on disk', () => {
    it('keeps secrets, versions and rotation settings across a restart', async () => {
      const dataDir = freshDir();
      const first = new LocalSecretStore({ dataDir, clock: { now: () => created } });
      const { arn } = await first.create({ name: 'app/db', value: 'v1', tags: { team: 'a' } });
      await first.putValue(arn, 'token-2', 'v2', [AWSPENDING]);
      await first.enableRotation(arn, { rotateEvery: '24h' });

      const second = new LocalSecretStore({ dataDir });
      expect(await second.describe('app/db')).toEqual(await first.describe('app/db'));
      expect((await second.getValue(arn, { stage: AWSPENDING })).value).toBe('v2');
    });

    it('writes the file owner-only, through a temporary file that does not stay behind', async () => {
      const dataDir = freshDir();
      const store = new LocalSecretStore({ dataDir });
      await store.create({ name: 's', value: 'v', tags: {} });
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.putValue('s', `token-${i}`, `v${i}`, [`STAGE${i}`])));

      expect(await readdir(dataDir)).toEqual([SECRETS_FILE]);
      expect((await stat(join(dataDir, SECRETS_FILE))).mode & 0o777).toBe(0o600);
      const reopened = new LocalSecretStore({ dataDir });
      expect(Object.keys((await reopened.describe('s')).versions)).toHaveLength(21);
    });

    it('refuses a file it did not write rather than starting empty', async () => {
      const dataDir = freshDir();
      await new LocalSecretStore({ dataDir }).create({ name: 's', value: 'v', tags: {} });
      await writeFile(join(dataDir, SECRETS_FILE), '{"something":"else"}');
      await expect(new LocalSecretStore({ dataDir }).describe('s')).rejects.toThrow(/not a secrets file/);
      expect(await readFile(join(dataDir, SECRETS_FILE), 'utf8')).toBe('{"something":"else"}');
    });
  });

  describe('rotation', () => {
    it('reports as NextRotationDate the close of the window a period after creation, then after the last rotation, and no dates while rotation is off', async () => {
      const store = new LocalSecretStore({ clock: { now: () => created } });
      await store.create({ name: 's', value: 'v', tags: {} });
      await store.recordRotation('s', new Date('2026-03-02T00:00:00.000Z'));
      expect(await store.describe('s')).toMatchObject({ rotationEnabled: false, lastRotatedAt: null, nextRotationAt: null });

      await store.enableRotation('s', { rotateEvery: '7d' });
      // rate(7 days): the window is the whole UTC day seven days on; NextRotationDate is its close.
      expect(await store.describe('s')).toMatchObject({
        rotationEnabled: true,
        lastRotatedAt: '2026-03-02T00:00:00.000Z',
        nextRotationAt: '2026-03-10T00:00:00.000Z',
      });

      // rate(4 hours): windows open at 00:00, 04:00, ... UTC and last an hour; 12:00 + 4 h falls in 16:00-17:00.
      const fresh = new LocalSecretStore({ clock: { now: () => created } });
      await fresh.create({ name: 't', value: 'v', tags: {} });
      await fresh.enableRotation('t', { rotateEvery: '4h' });
      expect((await fresh.describe('t')).nextRotationAt).toBe('2026-03-01T17:00:00.000Z');
      await fresh.recordRotation('t', new Date('2026-03-01T16:42:00.000Z'));
      expect((await fresh.describe('t')).nextRotationAt).toBe('2026-03-01T21:00:00.000Z');
    });

    it('refuses schedules more often than every 4 hours or not in hours or days', async () => {
      const store = new LocalSecretStore();
      await store.create({ name: 's', value: 'v', tags: {} });
      for (const rotateEvery of ['3h', '0d', '24', '1w', ' 24h']) {
        await expect(store.enableRotation('s', { rotateEvery })).rejects.toThrow(/rotateEvery/);
      }
    });

    it('labels the token AWSPENDING with no value yet, then calls the rotation function with the ARN and the token', async () => {
      const store = new LocalSecretStore();
      const { arn, versionId } = await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation(arn, { rotateEvery: '24h' });
      const seen: unknown[] = [];
      store.setOnRotate(async (secretArn, token) => {
        seen.push(secretArn, token, (await store.describe(secretArn)).versions);
        await expect(store.getValue(secretArn, { versionId: token, stage: AWSPENDING })).rejects.toBeInstanceOf(SecretNotFoundError);
      });

      await store.rotate('s', 'token-1');
      await store.settled();
      expect(seen).toEqual([arn, 'token-1', { [versionId]: [AWSCURRENT], 'token-1': [AWSPENDING] }]);
    });

    it('answers RotateSecret once the rotation has started, before the rotation function has finished; settled() waits for it', async () => {
      const store = new LocalSecretStore();
      await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      let finish = () => {};
      const finished = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const rotatesToV2 = rotatingTo(store, 'v2');
      store.setOnRotate(async (secretArn, token) => {
        await finished;
        await rotatesToV2(secretArn, token);
      });

      expect(await store.rotate('s', 'token-1')).toEqual({ versionId: 'token-1' });
      expect((await store.describe('s')).versions['token-1']).toEqual([AWSPENDING]);
      let settled = false;
      const waiting = store.settled().then(() => {
        settled = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      finish();
      await waiting;
      expect(await store.describe('s')).toMatchObject({ versions: { 'token-1': [AWSCURRENT] }, lastRotatedAt: expect.any(String) });
    });

    it('makes up a token when none is given', async () => {
      const onRotate = vi.fn<RotationCallback>(async () => undefined);
      const store = new LocalSecretStore({ onRotate });
      await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      await store.rotate('s');
      await store.settled();
      expect(onRotate.mock.calls[0]![1]).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('records a rotation that ends with the token AWSCURRENT, and puts the next one a period later', async () => {
      const clock = clockAt(created);
      const store = new LocalSecretStore({ clock });
      const { versionId: first } = await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      store.setOnRotate(rotatingTo(store, 'v2'));
      clock.set(new Date('2026-03-05T08:00:00.000Z'));

      await store.rotate('s', 'token-1');
      await store.settled();
      expect(await store.describe('s')).toMatchObject({
        versions: { [first]: [AWSPREVIOUS], 'token-1': [AWSCURRENT] },
        lastRotatedAt: '2026-03-05T08:00:00.000Z',
        nextRotationAt: '2026-03-07T00:00:00.000Z',
      });
      expect((await store.getValue('s')).value).toBe('v2');
    });

    it('passes on a failed rotation, leaving AWSPENDING on the token and the last rotation as it was', async () => {
      const store = new LocalSecretStore({
        onRotate: async () => {
          throw new Error('setSecret failed');
        },
      });
      const { versionId: first } = await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });

      await store.rotate('s', 'token-1');
      await expect(store.settled()).rejects.toThrow('setSecret failed');
      expect(await store.describe('s')).toMatchObject({
        versions: { [first]: [AWSCURRENT], 'token-1': [AWSPENDING] },
        lastRotatedAt: null,
      });
    });

    it('refuses any rotation while a token is AWSPENDING, its own token included, until AWSPENDING is taken off it', async () => {
      const store = new LocalSecretStore({
        onRotate: async () => {
          throw new Error('crashed');
        },
      });
      await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      await store.rotate('s', 'token-1');
      await expect(store.settled()).rejects.toThrow('crashed');

      for (const token of ['token-2', undefined, 'token-1']) {
        const err = await store.rotate('s', token).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RotationInProgressError);
        expect(err).toMatchObject({ pendingVersionId: 'token-1', message: expect.stringMatching(/previous rotation .* isn't complete/) });
      }

      store.setOnRotate(rotatingTo(store, 'v2'));
      await store.updateStage('s', AWSPENDING, { fromVersionId: 'token-1' });
      expect(await store.rotate('s', 'token-2')).toEqual({ versionId: 'token-2' });
      await store.settled();
      expect((await store.getValue('s')).versionId).toBe('token-2');
    });

    it('lists labelled versions with their creation dates, as ListSecretVersionIds does', async () => {
      const clock = clockAt(created);
      const store = new LocalSecretStore({
        clock,
        onRotate: async () => {
          throw new Error('crashed');
        },
      });
      const { versionId: first } = await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      clock.set(new Date('2026-03-02T05:00:00.000Z'));
      await store.rotate('s', 'token-1');
      await expect(store.settled()).rejects.toThrow('crashed');

      expect(await store.listVersions('s')).toEqual([
        { versionId: first, stages: [AWSCURRENT], createdAt: created.toISOString() },
        { versionId: 'token-1', stages: [AWSPENDING], createdAt: '2026-03-02T05:00:00.000Z' },
      ]);
    });

    it('starts a new rotation when AWSPENDING was left on the current version', async () => {
      const store = new LocalSecretStore();
      const { versionId: first } = await store.create({ name: 's', value: 'v1', tags: {} });
      await store.enableRotation('s', { rotateEvery: '24h' });
      await store.updateStage('s', AWSPENDING, { toVersionId: first });
      store.setOnRotate(rotatingTo(store, 'v2'));

      await store.rotate('s', 'token-1');
      await store.settled();
      expect((await store.describe('s')).versions).toEqual({ [first]: [AWSPREVIOUS], 'token-1': [AWSCURRENT] });
    });

    it('refuses to rotate a secret without rotation, or a store without a rotation function', async () => {
      const store = new LocalSecretStore();
      await store.create({ name: 's', value: 'v1', tags: {} });
      await expect(store.rotate('s')).rejects.toBeInstanceOf(SecretConflictError);
      await expect(store.rotate('nope')).rejects.toBeInstanceOf(SecretNotFoundError);
      await store.enableRotation('s', { rotateEvery: '24h' });
      await expect(store.rotate('s')).rejects.toThrow(/no rotation function/);
      expect(Object.values((await store.describe('s')).versions).flat()).toEqual([AWSCURRENT]);
    });
  });
});
