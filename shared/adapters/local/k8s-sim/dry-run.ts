/** Server-side dry run (?dryRun=All): the request is checked and answered as if done, and nothing is stored. */
import { randomUUID } from 'node:crypto';
import { type SimRequest, SimStatusError } from './request-parsing.ts';

/** An object as a dry run would create it: not stored, no resourceVersion. */
export function preview<T extends object>(fields: T): T & { uid: string; resourceVersion: string; creationTimestamp: string } {
  return { ...fields, uid: randomUUID(), resourceVersion: '', creationTimestamp: new Date().toISOString() };
}

/** Whether the request is a dry run; any dryRun value but All is refused, as the API server does. */
export function isDryRun(req: SimRequest): boolean {
  const dryRun = req.query.getAll('dryRun');
  if (dryRun.some((value) => value !== 'All')) throw new SimStatusError(400, 'BadRequest', 'dryRun must be All');
  return dryRun.length > 0;
}
