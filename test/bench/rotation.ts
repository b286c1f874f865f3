/**
 * Secret rotation figures: the sweeper's throughput over many secrets in the sandbox's local
 * Secrets Manager, and the time of a full four-step rotation against a real PostgreSQL.
 */
import { performance } from 'node:perf_hooks';
import { PostgresDatabase } from '#adapters/aws/postgres-database.ts';
import { startEmbeddedPostgres } from '#adapters/local/embedded-postgres.ts';
import { LocalEventPublisher } from '#adapters/local/local-event-publisher.ts';
import { LocalSecretStore } from '#adapters/local/local-secret-store.ts';
import { ROTATION_STEPS } from '#domain/rotation.ts';
import type { AuditLog } from '#ports/audit-log.ts';
import type { AuditOutbox } from '#ports/audit-outbox.ts';
import type { RotationPorts } from '#ports/ports.ts';
import { runRotationStep } from '#use-cases/rotate-secret.ts';
import { sweepSecrets } from '#use-cases/sweep-secrets.ts';
import type { Figure } from './report.ts';
import { median, percentile, round } from './stats.ts';

/** An audit log that only counts: the sweep's own work is what is timed. */
const countingAudit = (): AuditLog & { appended: number } => {
  const log = {
    appended: 0,
    append: async (entry: never) => {
      log.appended += 1;
      return entry;
    },
    list: async () => ({ records: [], nextCursor: null }),
    readChain: async () => ({ records: [], more: false }),
    getCheckpoint: async () => null,
    saveCheckpoint: async () => undefined,
  };
  return log as unknown as AuditLog & { appended: number };
};

/** An outbox that keeps nothing: the bench times the rotation's own calls, not a store. */
const nullOutbox: AuditOutbox = {
  put: async () => undefined,
  delete: async () => undefined,
  list: async () => [],
  claim: async () => null,
  release: async () => undefined,
};

export interface SweepSample {
  ms: number;
  checked: number;
  rotated: number;
}

/** `count` secrets, a tenth of them overdue; three sweeps, each timed. */
export async function measureSweep(count: number): Promise<SweepSample[]> {
  let now = new Date('2026-11-23T00:00:00Z');
  const clock = { now: () => now };
  const store = new LocalSecretStore({ clock });
  // The rotation ends at once with AWSPENDING taken off, so the secret stays overdue and every run does the same work.
  store.setOnRotate((arn, token) => store.updateStage(arn, 'AWSPENDING', { fromVersionId: token }));
  for (let i = 0; i < count; i++) {
    const { arn } = await store.create({
      name: `bench/s${i}`,
      value: `v${i}`,
      tags: { 'hms:rotation-strategy': 'random-token', 'hms:rotation-policy': i % 10 === 0 ? '4h' : '7d' },
    });
    await store.enableRotation(arn, { rotateEvery: i % 10 === 0 ? '4h' : '7d' });
  }
  // 4h secrets created at 00:00: NextRotationDate is 05:00 (the 04:00-05:00 window), overdue after 06:00 with the grace.
  now = new Date(now.getTime() + 7 * 3_600_000);
  const samples: SweepSample[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const report = await sweepSecrets(
      { secrets: store, events: new LocalEventPublisher({ clock }), audit: countingAudit(), auditOutbox: nullOutbox, clock },
      { actor: 'bench', requestId: `sweep-${run}` },
    );
    samples.push({ ms: performance.now() - started, checked: report.checked, rotated: report.findings.filter((f) => f.action === 'rotated').length });
  }
  return samples;
}

export function sweepFigures(count: number, samples: SweepSample[]): Figure[] {
  const ms = median(samples.map((s) => s.ms));
  return [
    {
      name: `secret sweep over ${count.toLocaleString('en-US')} secrets (local store), throughput`,
      value: round(count / (ms / 1000)),
      unit: 'secrets/s',
      details: { medianMs: round(ms), samples, note: 'each run checks every secret; the overdue tenth are re-driven through RotateSecret' },
    },
  ];
}

/** `count` full rotations of a postgres-single-user secret, each timed from createSecret to finishSecret. */
export async function measureRotations(count: number): Promise<number[]> {
  const server = await startEmbeddedPostgres({ superuserPassword: 'bench-superuser' });
  try {
    const database = new PostgresDatabase();
    const clock = { now: () => new Date() };
    const secrets = new LocalSecretStore({ clock });
    const ports: RotationPorts = { secrets, database, audit: countingAudit(), auditOutbox: nullOutbox, clock };
    await database.createLoginRole(server.admin, 'bench_app', 'first-pass', { memberOf: 'pg_read_all_data' });
    const { arn } = await secrets.create({
      name: 'bench/db',
      value: JSON.stringify({ engine: 'postgres', host: server.host, port: server.port, dbname: 'postgres', username: 'bench_app', password: 'first-pass' }),
      tags: { 'hms:rotation-strategy': 'postgres-single-user' },
    });
    await secrets.enableRotation(arn, { rotateEvery: '24h' });
    const durations: number[] = [];
    secrets.setOnRotate(async (secretArn, token) => {
      const started = performance.now();
      for (const Step of ROTATION_STEPS)
        await runRotationStep(ports, { SecretId: secretArn, ClientRequestToken: token, Step }, { actor: 'bench', requestId: token });
      durations.push(performance.now() - started);
    });
    for (let i = 0; i < count; i++) {
      await secrets.rotate(arn, `bench-${i}`);
      await secrets.settled();
    }
    return durations;
  } finally {
    await server.close();
  }
}

export function rotationFigures(durations: number[]): Figure[] {
  return [
    {
      name: 'full rotation (4 steps, postgres-single-user, embedded PostgreSQL) p50',
      value: round(percentile(durations, 50)),
      unit: 'ms',
      details: { rotations: durations.length },
    },
    { name: 'full rotation p99', value: round(percentile(durations, 99)), unit: 'ms' },
  ];
}
