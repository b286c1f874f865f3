import type { AuditOutbox, PendingAudit } from '#ports/audit-outbox.ts';

/** A stored value as the adapter stores it: JSON, so undefined fields drop and nothing is shared with the caller. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * In-memory AuditOutbox; passes the same contract as DynamoDbAuditOutbox (audit-outbox-contract.ts):
 * a put with an id already held replaces it, list is oldest first by createdAt, a delete of an
 * absent id does nothing. `failNext` makes the next calls of a method throw, as a DynamoDB fault would.
 */
export class MemoryAuditOutbox implements AuditOutbox {
  readonly items = new Map<string, PendingAudit>();
  readonly failNext = { put: 0, delete: 0, list: 0 };

  async put(pending: PendingAudit): Promise<void> {
    this.#fault('put');
    if (!Number.isFinite(Date.parse(pending.createdAt))) throw new Error(`outbox entry ${pending.id} has no valid createdAt`);
    this.items.set(pending.id, stored(pending));
  }

  async delete(id: string): Promise<void> {
    this.#fault('delete');
    this.items.delete(id);
  }

  async list(limit: number): Promise<PendingAudit[]> {
    this.#fault('list');
    return [...this.items.values()]
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))
      .slice(0, Math.max(0, Math.floor(limit)))
      .map(stored);
  }

  #fault(method: keyof MemoryAuditOutbox['failNext']): void {
    if (this.failNext[method] <= 0) return;
    this.failNext[method] -= 1;
    throw new Error(`DynamoDB refused the outbox ${method}`);
  }
}
