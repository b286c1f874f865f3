/**
 * One-shot timers that survive the function that set them: EventBridge Scheduler `at()`
 * schedules in AWS, timers in the sandbox. A fired schedule invokes the burst runner with
 * its payload. Callers never rely on a schedule alone: the runner's minute tick finds
 * anything overdue.
 */
export interface OneShotScheduler {
  /** Creates the schedule, or moves it if one of that name exists. Names are [0-9A-Za-z_.-]{1,64}. */
  scheduleAt(name: string, at: Date, payload: Record<string, unknown>): Promise<void>;
  /** Deletes the schedule; one that is gone already is fine. */
  cancel(name: string): Promise<void>;
}
