import { expect } from 'vitest';
import { type AuditRecord, verifyChain } from '#domain/audit.ts';
import { NOT_TAKEN_REASON } from '#use-cases/drain-audit-outbox.ts';

/**
 * A process that dies mid-call. Every port method call is counted; the call numbered `at` and
 * every call after it, on any port, reject with ProcessKilled, so nothing the "dead" process tries
 * afterwards (a catch handler's undo, a best-effort delete) reaches a store. The stores behind
 * the ports keep what was written before, as DynamoDB, the cluster and Secrets Manager would.
 */
export class ProcessKilled extends Error {
  constructor(call: string) {
    super(`the process was killed before ${call}`);
    this.name = 'ProcessKilled';
  }
}

export class Crash {
  /** Each port call made, in order: `port.method`. */
  readonly calls: string[] = [];
  #dead = false;

  /**
   * `at`: the number (from 0) of the first call that does not happen (Infinity: none), or the name
   * (`port.method`) of the first call that does not happen.
   */
  constructor(readonly at: number | string = Number.POSITIVE_INFINITY) {}

  get killed(): boolean {
    return this.#dead;
  }

  /** The port with every method call counted, and refused from call `at` on. */
  wrap<T extends object>(name: string, port: T): T {
    return new Proxy(port, {
      get: (target, member, receiver) => {
        const value = Reflect.get(target, member, receiver);
        if (typeof value !== 'function' || typeof member !== 'string') return value;
        return (...args: unknown[]) => {
          const call = `${name}.${member}`;
          if (this.#dead || (typeof this.at === 'number' ? this.calls.length >= this.at : call === this.at)) {
            this.#dead = true;
            return Promise.reject(new ProcessKilled(call));
          }
          this.calls.push(call);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** Every port object of `ports` wrapped; plain values (the clock, lists, numbers) as they are. */
  wrapAll<P extends object>(ports: P, names: readonly (keyof P & string)[]): P {
    const wrapped = { ...ports };
    for (const name of names) wrapped[name] = this.wrap(name, ports[name] as object) as P[typeof name];
    return wrapped;
  }
}

/**
 * Runs `change` once without a crash to learn its calls, then once per crash point from the
 * audit intent's put through its delete: crash k kills the process before call k, so the
 * writes before it stand and none after it happens. Returns the crash points in order.
 */
export function crashPoints(calls: readonly string[]): number[] {
  const put = calls.indexOf('auditOutbox.put');
  const deleted = calls.lastIndexOf('auditOutbox.delete');
  if (put < 0 || deleted < put) throw new Error(`the change wrote no audit intent, or never deleted it: ${calls.join(', ')}`);
  return Array.from({ length: deleted - put + 2 }, (_, i) => put + i);
}

/** One change under test: how to set it up, run it, tell whether it took effect, and recover. */
export interface Scenario<E> {
  name: string;
  action: string;
  setup(): Promise<E>;
  /** The change, through ports that may die part-way. */
  run(env: E, crash: Crash): Promise<unknown>;
  /** Whether the change took effect, read from the stores themselves (the test's oracle, not the probe). */
  tookEffect(env: E): Promise<boolean>;
  /** After the crash: the drainer run past the grace period, as the reconciler or the sweeper would. */
  recover(env: E): Promise<void>;
  /** Every audit record, of every stream. */
  records(env: E): Promise<AuditRecord[]>;
  /** How many items the outbox still holds. */
  outboxSize(env: E): Promise<number>;
}

/** Every crash point of a scenario: the change is run, killed, recovered, and its records checked. */
export async function runMatrix<E>(scenario: Scenario<E>) {
  const rehearsal = new Crash();
  const rehearsed = await scenario.setup();
  await scenario.run(rehearsed, rehearsal);
  expect(await scenario.tookEffect(rehearsed), `${scenario.name} takes effect when nothing crashes`).toBe(true);
  const put = rehearsal.calls.indexOf('auditOutbox.put');
  const outcomes: string[] = [];
  for (const at of crashPoints(rehearsal.calls)) {
    const env = await scenario.setup();
    const seeded = new Set((await scenario.records(env)).map((r) => `${r.stream}/${r.seq}`));
    const crash = new Crash(at);
    await scenario.run(env, crash).catch(() => undefined);
    await scenario.recover(env);
    const where = `${scenario.name}, killed before call ${at} (${rehearsal.calls[at] ?? 'none: it finished'})`;
    const all = await scenario.records(env);
    const records = all.filter((r) => r.action === scenario.action && !seeded.has(`${r.stream}/${r.seq}`));
    const stood = at > put && (await scenario.tookEffect(env));
    if (at <= put) {
      // Killed before its intent: the change never started, and nothing is recorded.
      expect(records, where).toEqual([]);
    } else if (stood) {
      expect(
        records.map((r) => r.outcome),
        where,
      ).toEqual(['success']);
    } else {
      // An intent without its change: one record, saying it failed.
      expect(
        records.map((r) => r.outcome),
        where,
      ).toEqual(['failure']);
      expect(records[0]?.reasons[0], where).toBe(NOT_TAKEN_REASON);
    }
    for (const record of records) expect(record.intent, where).toMatch(/^[0-9a-f-]{36}$/);
    expect(await scenario.outboxSize(env), `${where}: the outbox is empty after recovery`).toBe(0);
    for (const stream of new Set(all.map((r) => r.stream))) {
      expect(verifyChain(all.filter((r) => r.stream === stream).sort((a, b) => a.seq - b.seq)), where).toBeNull();
    }
    outcomes.push(`${at}:${stood ? 'stood' : 'not'}`);
  }
  return outcomes;
}
