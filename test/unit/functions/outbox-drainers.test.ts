import { describe, expect, it } from 'vitest';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { createCredentialRevokerHandler } from '#functions/credential-revoker/credential-revoker.ts';
import { createReconcilerHandler } from '#functions/reconciler/reconciler.ts';
import { createSecretSweeperHandler } from '#functions/secret-sweeper/secret-sweeper.ts';
import type { Database } from '#ports/database.ts';
import type { SecretsPorts } from '#ports/ports.ts';
import { lambdaContext } from '#sandbox/local-bus.ts';
import { DRAINER_RECORDED_REASON, NOT_TAKEN_REASON } from '#use-cases/drain-audit-outbox.ts';
import { MemoryEvents } from '../use-cases/memory-ports.ts';
import { seededPorts } from '../use-cases/seeded-ports.ts';

const caller = { actor: 'user/alice', requestId: 'req-1' };
const MINUTE = 60_000;

/** An intent as a writer that stopped after its change (or before it) leaves it. */
async function leftIntent(
  env: Awaited<ReturnType<typeof seededPorts>>,
  id: string,
  probe: Parameters<typeof env.ports.auditOutbox.put>[0]['probe'],
  action: string,
) {
  const time = env.clock.current.toISOString();
  const entry = {
    time,
    actor: 'user/alice',
    action,
    target: 'x',
    before: null,
    after: { v: 1 },
    outcome: 'success' as const,
    reasons: [],
    requestId: id,
    intent: id,
  };
  await env.ports.auditOutbox.put({ id, createdAt: time, entry: { ...entry, service: 'eligibility-api' }, ...(probe ? { probe } : {}) });
}

describe('the reconciler drains the audit outbox on each pass', () => {
  it('records a change that stood and one that did not, once their intents are past the grace period, and leaves younger ones', async () => {
    const env = await seededPorts(caller, { rule: true });
    await leftIntent(env, 'stood', { kind: 'state-version', entity: 'rule', key: 'AR-101', version: 1 }, 'rule.create');
    await leftIntent(env, 'lost', { kind: 'replicas', service: 'eligibility-api', replicas: 17 }, 'scale.manual');
    const handler = createReconcilerHandler(async () => ({ ports: env.ports, controllerActor: 'role/hms-sys-reconciler' }), { outboxGraceSeconds: 600 });

    env.clock.current = new Date(env.clock.current.getTime() + 9 * MINUTE);
    await handler({ id: 'pass-1' }, lambdaContext('reconciler', 60));
    expect(env.ports.auditOutbox.items.size).toBe(2);

    env.clock.current = new Date(env.clock.current.getTime() + 2 * MINUTE);
    await handler({ id: 'pass-2' }, lambdaContext('reconciler', 60));
    const drained = env.ports.audit.records.filter((r) => r.intent === 'stood' || r.intent === 'lost');
    expect(drained).toEqual([
      expect.objectContaining({ intent: 'stood', outcome: 'success', reasons: [DRAINER_RECORDED_REASON] }),
      expect.objectContaining({ intent: 'lost', outcome: 'failure', reasons: [NOT_TAKEN_REASON] }),
    ]);
    expect(env.ports.auditOutbox.items.size).toBe(0);
  });
});

describe('the secret sweeper drains the audit outbox', () => {
  it('settles a finishSecret whose function stopped, and leaves a setSecret, which needs the rotation function’s login', async () => {
    const env = await seededPorts(caller);
    const secrets = new LocalSecretStore({ clock: env.clock, onRotate: async () => undefined });
    const { arn } = await secrets.create({ name: 'app/token', value: 'v1', tags: { 'hms:rotation-strategy': 'random-token' } });
    await secrets.enableRotation(arn, { rotateEvery: '24h' });
    await secrets.rotate(arn, 'tok-1');
    await leftIntent(env, 'finish', { kind: 'rotation-step', secretId: arn, token: 'tok-1', step: 'finishSecret' }, 'secret.rotation.finishSecret');
    await leftIntent(env, 'set', { kind: 'rotation-step', secretId: arn, token: 'tok-1', step: 'setSecret' }, 'secret.rotation.setSecret');
    const ports: SecretsPorts = { ...env.ports, secrets, database: {} as Database, events: new MemoryEvents() };
    const handler = createSecretSweeperHandler(async () => ({ ports, controllerActor: 'role/hms-sys-secret-sweeper' }), { outboxGraceSeconds: 0 });
    await handler({ id: 'sweep-1' }, lambdaContext('secret-sweeper', 60));
    expect(env.ports.audit.records.filter((r) => r.intent === 'finish')).toEqual([expect.objectContaining({ outcome: 'failure' })]);
    expect([...env.ports.auditOutbox.items.keys()]).toEqual(['set']);
  });
});

describe('the credential revoker drains the audit outbox', () => {
  it('settles logins issued and revoked by a process that stopped, by what ListSecrets lists, and leaves what it cannot probe', async () => {
    const env = await seededPorts(caller);
    const secrets = new LocalSecretStore({ clock: env.clock });
    const login = { service: 'eligibility-api', database: 'arn:master', role: 'hms_eligibility_api_0123abcd' };
    // Neither secret is listed: the revoked one's deletion stood; the issued one was never made.
    await leftIntent(env, 'revoked', { kind: 'db-credential', secretArn: 'arn:gone-1', ...login, issued: false }, 'db-credential.revoke');
    await leftIntent(env, 'issued', { kind: 'db-credential', secretArn: 'arn:gone-2', ...login, issued: true }, 'db-credential.issue');
    await leftIntent(env, 'rotation', { kind: 'rotation-started', secretId: 'arn:other', token: 't' }, 'secret.rotate');
    const ports: SecretsPorts = { ...env.ports, secrets, database: {} as Database, events: new MemoryEvents() };
    const handler = createCredentialRevokerHandler(async () => ({ ports, controllerActor: 'role/hms-sys-credential-revoker' }), { outboxGraceSeconds: 0 });
    await handler({ id: 'revoke-1' }, lambdaContext('credential-revoker', 60));
    const drained = env.ports.audit.records.filter((r) => r.intent === 'revoked' || r.intent === 'issued');
    expect(drained).toEqual([
      expect.objectContaining({ intent: 'revoked', outcome: 'success', reasons: [DRAINER_RECORDED_REASON] }),
      expect.objectContaining({ intent: 'issued', outcome: 'failure', reasons: [NOT_TAKEN_REASON] }),
    ]);
    expect([...env.ports.auditOutbox.items.keys()]).toEqual(['rotation']);
  });
});
