import type { RouteTrigger } from '#domain/triggers.ts';
import * as declared from './index.ts';

/** Every HTTP route of every declared function, with the function that serves it. */
export const httpRoutes: ReadonlyArray<RouteTrigger & { functionName: string }> = Object.values(declared).flatMap((declaration) =>
  declaration.triggers.flatMap((trigger) => (trigger.kind === 'http' ? [{ ...trigger, functionName: declaration.name }] : [])));
