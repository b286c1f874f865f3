import type { CorePorts } from '#ports/ports.ts';
import { drainAuditOutbox, type ProbeAnswer, probesOf } from '#use-cases/drain-audit-outbox.ts';
import { stateProbes } from '#use-cases/state-probes.ts';

/** How long the start may spend on the outbox; what is left goes to the reconciler's passes. */
const RECOVERY_BUDGET_MS = 30_000;

/**
 * At start, every audit intent in the outbox belongs to a sandbox process that is gone (one process
 * runs every function), so none needs the grace period: each is resolved now by its probe, and each
 * lookup waiting for its chain is appended, before the API answers.
 */
export async function recoverAuditOutbox(
  ports: CorePorts,
  rotationProbes: ProbeAnswer,
  reporter: { error(message: string, details: Record<string, unknown>): void },
): Promise<void> {
  const probes = probesOf(stateProbes(ports), rotationProbes);
  try {
    const report = await drainAuditOutbox(ports, { probes, graceMs: 0, deadline: Date.now() + RECOVERY_BUDGET_MS });
    if (report.failed > 0 || report.left > 0)
      reporter.error('audit outbox items were left at start', { left: report.left, errors: report.errors.slice(0, 10) });
  } catch (err) {
    reporter.error('the audit outbox could not be drained at start', { error: (err as Error).message });
  }
}
