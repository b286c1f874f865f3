import type { AuditOutbox, OutboxClaim, PendingAudit } from '#ports/audit-outbox.ts';

/** A stored value as the adapter stores it: JSON, so undefined fields drop and nothing is shared with the caller. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * In-memory AuditOutbox; passes the same contract as DynamoDbAuditOutbox (audit-outbox-contract.ts):
 * a put with an id already held replaces it, list is oldest first by createdAt, a delete of an
 * absent id does nothing, a claim is refused while another's lasts and kept apart from the item
 * (a put drops it, as PutItem replaces the whole item). `failNext` makes the next calls of a
 * method throw, as a DynamoDB fault would.
 */
export class MemoryAuditOutbox implements AuditOutbox {
  readonly items = new Map<string, PendingAudit>();
  readonly claims = new Map<string, OutboxClaim>();
  readonly failNext = { put: 0, delete: 0, list: 0, claim: 0, release: 0 };

  async put(pending: PendingAudit): Promise<void> {
    this.#fault('put');
    if (!Number.isFinite(Date.parse(pending.createdAt))) throw new Error(`outbox entry ${pending.id} has no valid createdAt`);
    this.items.set(pending.id, stored(pending));
    this.claims.delete(pending.id);
  }

  async delete(id: string): Promise<void> {
    this.#fault('delete');
    this.items.delete(id);
    this.claims.delete(id);
  }

  async list(limit: number): Promise<PendingAudit[]> {
    this.#fault('list');
    return [...this.items.values()]
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
      .slice(0, Math.max(0, Math.floor(limit)))
      .map(stored);
  }

  async claim(id: string, claim: OutboxClaim, now: string): Promise<OutboxClaim | null> {
    this.#fault('claim');
    const held = this.claims.get(id);
    if (!this.items.has(id) || (held && held.by !== claim.by && Date.parse(held.until) > Date.parse(now))) return null;
    const kept = { ...claim, afterSeq: held?.afterSeq ?? claim.afterSeq };
    this.claims.set(id, kept);
    return stored(kept);
  }

  async release(id: string, by: string): Promise<void> {
    this.#fault('release');
    const held = this.claims.get(id);
    // The afterSeq stays, as the adapter removes only the holder and the time.
    if (held?.by === by) this.claims.set(id, { by: '', until: new Date(0).toISOString(), afterSeq: held.afterSeq });
  }

  #fault(method: keyof MemoryAuditOutbox['failNext']): void {
    if (this.failNext[method] <= 0) return;
    this.failNext[method] -= 1;
    throw new Error(`DynamoDB refused the outbox ${method}`);
  }
}
