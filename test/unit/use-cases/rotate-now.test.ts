import { beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { openApiDocument } from '#functions/openapi/document.ts';
import type { Database } from '#ports/database.ts';
import { DependencyUnavailableError } from '#ports/errors.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { AWSCURRENT, AWSPENDING } from '#ports/secret-store.ts';
import { listRotatedSecrets, rotateNow } from '#use-cases/secrets.ts';
import { MemoryEvents, memoryPorts } from './memory-ports.ts';

const caller = { actor: 'dev-operator', requestId: 'req-1' };
let ports: SecretsPorts;
let store: LocalSecretStore;
let audit: ReturnType<typeof memoryPorts>['ports']['audit'];

beforeEach(() => {
  const env = memoryPorts();
  audit = env.ports.audit;
  store = new LocalSecretStore({ clock: env.ports.clock });
  ports = {
    store: env.ports.store,
    secrets: store,
    database: {} as Database,
    audit,
    auditOutbox: env.ports.auditOutbox,
    events: new MemoryEvents(),
    clock: env.ports.clock,
  };
});

async function rotatedSecret() {
  const { arn } = await store.create({ name: 'app/token', value: 'v1', tags: { 'hms:rotation-strategy': 'random-token' } });
  await store.enableRotation(arn, { rotateEvery: '24h' });
  return arn;
}

describe('rotateNow', () => {
  it('answers that the rotation started, naming the version it creates, and audits that, not an outcome', async () => {
    const arn = await rotatedSecret();
    // A rotation that has not finished when RotateSecret answers, as in AWS.
    store.setOnRotate(async () => undefined);

    const answer = await rotateNow(ports, caller, arn);
    expect(answer).toEqual({ secret: arn, rotationStarted: true, versionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await store.describe(arn)).versions[answer.versionId]).toEqual([AWSPENDING]);
    expect(audit.records).toEqual([expect.objectContaining({ action: 'secret.rotate', after: { rotationStarted: true, versionId: answer.versionId } })]);
    expect(answer).not.toHaveProperty('lastRotatedAt');
  });

  it('answers 409 while a rotation is pending, naming its version, and 404 for a secret that does not exist', async () => {
    const arn = await rotatedSecret();
    await store.putValue(arn, 'pending-1', 'v2', [AWSPENDING]);
    const err = await rotateNow(ports, caller, arn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'conflict', field: 'secret', message: expect.stringContaining('pending-1 is AWSPENDING') });
    await expect(rotateNow(ports, caller, `${arn.slice(0, -6)}NoSuch`)).rejects.toBeInstanceOf(NotFoundError);
    // Each refused start has one record, a failure naming the error, and no intent is left.
    expect(audit.records.map((r) => [r.action, r.outcome, r.reasons[0]?.split(':')[1]?.trim()])).toEqual([
      ['secret.rotate', 'failure', 'ConflictError'],
      ['secret.rotate', 'failure', 'NotFoundError'],
    ]);
    expect(ports.auditOutbox.list(10)).resolves.toEqual([]);
  });

  it("passes a Secrets Manager fault or a bug on unchanged, for the edge's table to answer 503 or a logged 500", async () => {
    const arn = await rotatedSecret();
    for (const err of [new DependencyUnavailableError('RotateSecret failed'), new TypeError('x is not a function')]) {
      store.rotate = async () => {
        throw err;
      };
      await expect(rotateNow(ports, caller, arn)).rejects.toBe(err);
    }
    expect(audit.records.map((r) => r.outcome)).toEqual(['failure', 'failure']);
  });

  it('is declared 202 Accepted in the OpenAPI document', () => {
    const op = (openApiDocument().paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)['/secrets/rotate']!.post!;
    expect(Object.keys(op.responses)).toContain('202');
    expect(op.responses['200']).toBeUndefined();
  });
});

describe('listRotatedSecrets', () => {
  it('shows a young pending rotation as rotating, with its version', async () => {
    const arn = await rotatedSecret();
    await store.putValue(arn, 'pending-1', 'v2', [AWSPENDING]);
    expect(await listRotatedSecrets(ports)).toEqual([expect.objectContaining({ arn, health: 'rotating', pendingVersion: 'pending-1' })]);
    await store.updateStage(arn, AWSCURRENT, { toVersionId: 'pending-1', fromVersionId: Object.keys((await store.describe(arn)).versions)[0]! });
    expect(await listRotatedSecrets(ports)).toEqual([expect.objectContaining({ arn, health: 'ok' })]);
  });
});
