/** Events hms-sys publishes for others to act on: EventBridge in AWS, the local bus in the sandbox. */
export const EVENT_SOURCE = 'hms.sys';

export interface PublishedEvent {
  detailType: string;
  detail: Record<string, unknown>;
  /** ARNs or names the event is about. */
  resources?: string[];
}

export interface EventPublisher {
  /** Publishes every event or throws; a partial failure (FailedEntryCount > 0) throws too. */
  publish(events: readonly PublishedEvent[]): Promise<void>;
}
