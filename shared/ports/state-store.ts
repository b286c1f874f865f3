import type { Rule, Service, ServiceScaling } from '#domain/model.ts';

/** Outcome of claiming an event id for processing. */
export type EventClaim = { status: 'claimed'; token: string } | { status: 'done'; result: unknown } | { status: 'busy' };

/**
 * Durable control-plane state: DynamoDB in AWS and in the sandbox (dynalite).
 * Writes that carry an expected version are conditional and throw StaleVersionError
 * when another writer got there first. No call needs a transaction (dynalite has none).
 *
 * Deleting a service and creating a rule for it exclude each other without one: the delete
 * marks the service first, then looks for rules; a rule creation puts its rule first, then
 * asks serviceAcceptsRules (a strongly consistent read) and undoes itself on false. Whichever
 * order the calls interleave in, either the delete sees the rule or the creation sees the mark.
 */
export interface StateStore {
  putService(service: Service, expectedVersion: number | null): Promise<void>;
  getService(name: string): Promise<Service | null>;
  listServices(): Promise<Service[]>;
  deleteService(name: string, expectedVersion: number): Promise<void>;
  /**
   * Marks the service as being deleted, if its stored version is expectedVersion (else
   * StaleVersionError). While marked, serviceAcceptsRules is false and putService of an update
   * throws StaleVersionError. A mark set again (a repeated delete) is fine.
   */
  markServiceDeleting(name: string, expectedVersion: number): Promise<void>;
  /** Clears the mark, after a delete that was refused; an absent service is fine. */
  unmarkServiceDeleting(name: string): Promise<void>;
  /** Whether the service exists and is not marked for deletion, read strongly consistently. */
  serviceAcceptsRules(name: string): Promise<boolean>;

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
