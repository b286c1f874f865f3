/** Where work that still fails after retries is parked for an operator: SQS in AWS. */
export interface DeadLetter {
  park(item: { source: string; reason: string; payload: unknown }): Promise<void>;
}
