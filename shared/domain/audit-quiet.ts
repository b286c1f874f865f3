/**
 * Unchanged decisions, audited once and then summarised. A rule whose alarm stays in ALARM is
 * re-decided on every reconcile pass (once a minute); when the answer is "no change" each time,
 * one record says so, then at most one summary per window carries the count of passes since.
 * Any decision that changes something, or a different unchanged answer, is recorded at once.
 */

/** At most one summary of an unchanged decision per rule per this window. */
export const QUIET_SUMMARY_MS = 60 * 60 * 1000;

/** What a rule's memory keeps about its unchanged decisions. */
export interface QuietState {
  /** What the unchanged decision was, without its metric readings. */
  signature: string;
  /** When the last record for it (the first, or the last summary) was written. */
  recordedAt: string;
  /** Passes since then that wrote no record. */
  suppressed: number;
  /** When the first of those passes ran. */
  suppressedSince?: string;
}

/** Passes that wrote no record, handed to the next record so none goes uncounted. */
export interface QuietCount {
  passes: number;
  since: string;
}

export type QuietVerdict =
  /** Write the decision's own record; `earlier` counts unrecorded passes before it. */
  | { kind: 'record'; state: QuietState | undefined; earlier: QuietCount | null }
  /** Write a summary of `count` passes (this one included) that decided the same. */
  | { kind: 'summary'; state: QuietState; count: QuietCount }
  /** Write nothing; the pass is counted in the state. */
  | { kind: 'suppress'; state: QuietState };

export interface DecisionFacts {
  changed: boolean;
  /** The same string for the same unchanged answer: direction, action, replicas before and after. */
  signature: string;
}

export function quietVerdict(previous: QuietState | undefined, decision: DecisionFacts, now: Date): QuietVerdict {
  const at = now.toISOString();
  const earlier = previous && previous.suppressed > 0 ? { passes: previous.suppressed, since: previous.suppressedSince ?? previous.recordedAt } : null;
  if (decision.changed) return { kind: 'record', state: undefined, earlier };
  if (!previous || previous.signature !== decision.signature) {
    return { kind: 'record', state: { signature: decision.signature, recordedAt: at, suppressed: 0 }, earlier };
  }
  if (now.getTime() - Date.parse(previous.recordedAt) >= QUIET_SUMMARY_MS) {
    return {
      kind: 'summary',
      state: { signature: decision.signature, recordedAt: at, suppressed: 0 },
      count: { passes: previous.suppressed + 1, since: previous.suppressedSince ?? at },
    };
  }
  return { kind: 'suppress', state: { ...previous, suppressed: previous.suppressed + 1, suppressedSince: previous.suppressedSince ?? at } };
}

/** The words a record adds for passes it stands for. */
export function quietReasons(verdict: QuietVerdict): string[] {
  if (verdict.kind === 'summary') {
    return [`summary: ${verdict.count.passes} passes since ${verdict.count.since} decided the same and were not recorded one by one`];
  }
  if (verdict.kind === 'record' && verdict.earlier) {
    return [`before this, ${verdict.earlier.passes} unchanged passes since ${verdict.earlier.since} were not recorded one by one`];
  }
  return [];
}
