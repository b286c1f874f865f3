import { randomUUID } from 'node:crypto';
import type { Clock } from '#ports/clock.ts';
import { EVENT_SOURCE, type EventPublisher, type PublishedEvent } from '#ports/events.ts';

/** An event as EventBridge hands it to a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** One published event as the sandbox lists it. */
export interface PublishedRecord extends PublishedEvent {
  id: string;
  /** ISO 8601 from the clock, at publishing. */
  time: string;
  resources: string[];
}

export interface LocalEventPublisherOptions {
  clock: Clock;
  /** The sandbox's local bus; awaited, and its errors reach the caller after every event is sent. */
  emit?: (event: BusEvent) => void | Promise<void>;
  region?: string;
  account?: string;
  newId?: () => string;
}

/** The sandbox's EventBridge bus for hms.sys events: keeps them in order and hands each to emit. */
export class LocalEventPublisher implements EventPublisher {
  readonly #options: LocalEventPublisherOptions;
  readonly #published: PublishedRecord[] = [];

  constructor(options: LocalEventPublisherOptions) {
    this.#options = options;
  }

  async publish(events: readonly PublishedEvent[]): Promise<void> {
    const newId = this.#options.newId ?? randomUUID;
    const records = events.map(
      (event): PublishedRecord => ({
        id: newId(),
        time: this.#options.clock.now().toISOString(),
        detailType: event.detailType,
        detail: structuredClone(event.detail),
        resources: [...(event.resources ?? [])],
      }),
    );
    this.#published.push(...records);

    const failures: unknown[] = [];
    for (const record of records) {
      try {
        await this.#options.emit?.(this.#busEvent(record));
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Every event published so far, oldest first; copies, so a caller cannot change the record. */
  published(): PublishedRecord[] {
    return structuredClone(this.#published);
  }

  #busEvent(record: PublishedRecord): BusEvent {
    return {
      version: '0',
      id: record.id,
      'detail-type': record.detailType,
      source: EVENT_SOURCE,
      account: this.#options.account ?? '000000000000',
      // EventBridge writes whole seconds.
      time: record.time.replace(/\.\d{3}Z$/, 'Z'),
      region: this.#options.region ?? 'us-east-1',
      resources: [...record.resources],
      detail: structuredClone(record.detail),
    };
  }
}
