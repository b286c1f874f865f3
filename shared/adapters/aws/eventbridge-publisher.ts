import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type EventPublisher, type PublishedEvent } from '#ports/events.ts';

export interface EventBridgePublisherOptions {
  region?: string;
  /** Name or ARN of the bus; 'default' when absent. */
  eventBusName?: string;
  /** Injected in tests; otherwise built on first use. */
  client?: EventBridgeClient;
}

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;

/**
 * Entry errors that a second try cannot fix (PutEventsResultEntry.ErrorCode in the SDK's
 * model); InternalFailure, ThrottlingException and any code not listed are retried once.
 */
const PERMANENT = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

interface Failure {
  entry: PutEventsRequestEntry;
  code: string;
  message: string;
}

/** Publishes hms.sys events to an EventBridge bus. */
export class EventBridgePublisher implements EventPublisher {
  readonly #options: EventBridgePublisherOptions;
  #built: EventBridgeClient | undefined;

  constructor(options: EventBridgePublisherOptions = {}) {
    this.#options = options;
  }

  /** Built on first use, throttling retried with backoff. */
  get #client(): EventBridgeClient {
    this.#built ??=
      this.#options.client ??
      new EventBridgeClient({ ...(this.#options.region ? { region: this.#options.region } : {}), maxAttempts: 5, retryMode: 'standard' });
    return this.#built;
  }

  /**
   * Sends 10 entries a call. PutEvents can accept some entries of a call and refuse others
   * (FailedEntryCount > 0); the refused ones that may pass are sent once more, and whatever
   * is still refused throws after every batch was tried.
   */
  async publish(events: readonly PublishedEvent[]): Promise<void> {
    const entries = events.map((event) => this.#entry(event));
    const failures: Failure[] = [];
    for (let start = 0; start < entries.length; start += BATCH) {
      const failed = await this.#put(entries.slice(start, start + BATCH));
      const retry = failed.filter((f) => !PERMANENT.has(f.code));
      failures.push(...failed.filter((f) => PERMANENT.has(f.code)));
      if (retry.length > 0) failures.push(...(await this.#put(retry.map((f) => f.entry))));
    }
    if (failures.length > 0) {
      const details = failures.map((f) => `${f.entry.DetailType}: ${f.code} ${f.message}`.trim()).join('; ');
      throw new Error(`EventBridge refused ${failures.length} of ${entries.length} events: ${details}`);
    }
  }

  /** The refused entries of one call; results come back in the order of the entries sent. */
  async #put(entries: PutEventsRequestEntry[]): Promise<Failure[]> {
    const out = await this.#client.send(new PutEventsCommand({ Entries: entries }));
    if (!out.FailedEntryCount) return [];
    const failures: Failure[] = [];
    entries.forEach((entry, i) => {
      const result = out.Entries?.[i];
      if (result?.EventId && !result.ErrorCode) return;
      failures.push({ entry, code: result?.ErrorCode ?? 'Unknown', message: result?.ErrorMessage ?? '' });
    });
    return failures;
  }

  #entry(event: PublishedEvent): PutEventsRequestEntry {
    return {
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Resources: event.resources ?? [],
      EventBusName: this.#options.eventBusName ?? 'default',
    };
  }
}
