import type { Caller, MeshOpsPorts } from '#ports/ports.ts';
import { closeBreaker, scheduleClose } from './breaker.ts';
import { inForce } from './mesh-records.ts';
import { endPause, scheduleResume } from './pause.ts';
import { reapplyService } from './reapply.ts';

/** What a one-shot schedule sends the mesh function (functions/mesh/triggers.ts's MeshCommand). */
export type MeshCommandInput =
  | { action: 'resume'; service: string; until: string; closedAt?: string }
  | { action: 'close-breaker'; service: string; until: string; closedAt?: string };

export interface MeshTickReport {
  pauses: number;
  breakers: number;
  outcomes: Array<{ kind: 'pause' | 'breaker'; service: string; outcome: 'ended' | 'kept' | 'error'; detail?: string }>;
}

/**
 * The minute tick, the one-shot schedules' safety net, as the burst runner's tick is for bursts:
 * every pause or breaker past its end is ended (so neither outlives its end by more than a tick,
 * whatever happened to its schedule or to the function that set it), and every one still in force
 * is applied again and its schedule set again, both idempotent, which finishes a pause or trip whose
 * function stopped between its record and its apply, or between its apply and its schedule.
 */
export async function expireDue(ports: MeshOpsPorts, caller: Caller): Promise<MeshTickReport> {
  const [pauses, breakers] = await Promise.all([ports.meshStore.list('pause'), ports.meshStore.list('breaker')]);
  const report: MeshTickReport = { pauses: pauses.length, breakers: breakers.length, outcomes: [] };
  const failures: Error[] = [];
  const settle = async (kind: 'pause' | 'breaker', service: string, work: () => Promise<'ended' | 'kept'>) => {
    try {
      report.outcomes.push({ kind, service, outcome: await work() });
    } catch (err) {
      failures.push(err as Error);
      report.outcomes.push({ kind, service, outcome: 'error', detail: (err as Error).message });
    }
  };
  const now = ports.clock.now();
  for (const pause of pauses) {
    await settle('pause', pause.service, async () => {
      if (!inForce(pause, now)) {
        await endPause(ports, caller, pause, `the pause ended at ${pause.until}`);
        return 'ended';
      }
      if (await ports.meshStore.get('service', pause.service)) {
        await reapplyService(ports, pause.service, caller, { dryRun: false, why: `pause in force until ${pause.until}` });
      }
      await scheduleResume(ports, pause);
      return 'kept';
    });
  }
  for (const breaker of breakers) {
    await settle('breaker', breaker.service, async () => {
      if (!inForce(breaker, now)) {
        await closeBreaker(ports, caller, breaker.service);
        return 'ended';
      }
      if (await ports.meshStore.get('service', breaker.service)) {
        await reapplyService(ports, breaker.service, caller, { dryRun: false, why: `breaker open until ${breaker.until}` });
      }
      await scheduleClose(ports, breaker);
      return 'kept';
    });
  }
  if (failures.length > 0) throw new AggregateError(failures, `mesh tick: ${failures.length} of ${pauses.length + breakers.length} pauses and breakers failed`);
  return report;
}

/** A fired one-shot schedule: resume a pause that is due, or close (or look again at) a breaker. */
export async function runMeshCommand(ports: MeshOpsPorts, caller: Caller, command: MeshCommandInput) {
  if (command.action === 'close-breaker') return closeBreaker(ports, caller, command.service, command.closedAt);
  const pause = await ports.meshStore.get('pause', command.service);
  if (!pause) return { outcome: 'ignored' as const, service: command.service, reason: 'no pause of it is recorded' };
  if (inForce(pause, ports.clock.now())) {
    // Moved since the schedule was set (paused again for longer): its own schedule ends it.
    await scheduleResume(ports, pause);
    return { outcome: 'ignored' as const, service: command.service, reason: `the pause now ends at ${pause.until}` };
  }
  return { outcome: 'resumed' as const, service: command.service, objects: await endPause(ports, caller, pause, `the pause ended at ${pause.until}`) };
}
