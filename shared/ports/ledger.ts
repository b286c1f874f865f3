import type { Usage } from '#domain/budget.ts';
import type { Budget, Burst } from '#domain/model.ts';

/**
 * Budgets, metered usage and burst plans, in the state table. Versioned writes follow the
 * StateStore's convention and throw StaleVersionError when another writer got there first.
 */
export interface LedgerStore {
  putBudget(budget: Budget, expectedVersion: number | null): Promise<void>;
  getBudget(service: string): Promise<Budget | null>;
  listBudgets(): Promise<Budget[]>;
  deleteBudget(service: string, expectedVersion: number): Promise<void>;

  getUsage(service: string, month: string): Promise<Usage | null>;
  /** Every service's usage for one month ('YYYY-MM'), in one query. */
  listUsage(month: string): Promise<Usage[]>;
  putUsage(usage: Usage, expectedVersion: number | null): Promise<void>;
  /** Drops a service's usage for one month, at the version read (StaleVersionError otherwise). */
  deleteUsage(service: string, month: string, expectedVersion: number): Promise<void>;

  /** Allocates the next burst number; the first is 1. */
  nextBurstNumber(): Promise<number>;
  putBurst(burst: Burst, expectedVersion: number | null): Promise<void>;
  getBurst(burstId: string): Promise<Burst | null>;
  /** Marks a burst as its service's one active burst; false when another holds the service. */
  claimActiveBurst(service: string, burstId: string): Promise<boolean>;
  releaseActiveBurst(service: string, burstId: string): Promise<void>;
  /** The bursts that hold their service now: scheduled, ramping, holding or scaling back. */
  listActiveBursts(): Promise<Array<{ service: string; burstId: string }>>;
  activeBurstOf(service: string): Promise<string | null>;
}
