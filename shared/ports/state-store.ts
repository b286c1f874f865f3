import type { Rule, ServiceScaling, Service } from '#domain/model.ts';

/** Outcome of claiming an event id for processing. */
export type EventClaim =
  | { status: 'claimed'; token: string }
  | { status: 'done'; result: unknown }
  | { status: 'busy' };

/**
 * Durable control-plane state: DynamoDB in AWS and in the sandbox (dynalite).
 * Writes that carry an expected version are conditional and throw StaleVersionError
 * when another writer got there first. No call needs a transaction.
 */
export interface StateStore {
  putService(service: Service, expectedVersion: number | null): Promise<void>;
  getService(name: string): Promise<Service | null>;
  listServices(): Promise<Service[]>;
  deleteService(name: string, expectedVersion: number): Promise<void>;

  /** Allocates the next rule number; the first is 101. */
  nextRuleNumber(): Promise<number>;
  putRule(rule: Rule, expectedVersion: number | null): Promise<void>;
  getRule(ruleId: string): Promise<Rule | null>;
  listRules(): Promise<Rule[]>;
  deleteRule(ruleId: string, expectedVersion: number): Promise<void>;

  /** A service's scaling state: the replica changes hms-sys made, oldest first, and each rule's memory. */
  getScaling(service: string): Promise<ServiceScaling | null>;
  putScaling(scaling: ServiceScaling, expectedVersion: number | null): Promise<void>;

  /**
   * Claims an event id. A second claim of a finished event returns its result;
   * a claim of an unfinished one whose lease has not run out returns busy.
   */
  claimEvent(eventId: string, leaseSeconds: number, now: Date): Promise<EventClaim>;
  /** Marks the event done, if the claim is still this token's. */
  completeEvent(eventId: string, token: string, result: unknown, now: Date): Promise<void>;
  /** Gives a claim back so a retry can take it at once; a claim taken over by another token is left alone. */
  releaseEvent(eventId: string, token: string): Promise<void>;
}
