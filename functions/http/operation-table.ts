import type * as z from 'zod/mini';
import type { Ports } from '#ports/ports.ts';
import type { contract } from '../api/contract.ts';
import type { OperationId } from '../http-routes.ts';
import type { OperationResponses, responses } from '../openapi/responses.ts';
import type { Request } from './request.ts';

/** What an operation may answer: its result, or with `?dryRun=true` its preview. */
type AnswerOf<R extends OperationResponses> = z.output<R['ok']> | (R extends { dryRun: infer D extends z.ZodMiniType } ? z.output<D> : never);

/** An operation, typed by its contract and response schemas: a change to either that the use case does not follow fails the build. */
export type OperationOf<K extends OperationId, P extends object = Ports> = (
  request: Request<(typeof contract)[K], P>,
) => Promise<AnswerOf<(typeof responses)[K]>>;

/** The operations of one function: exactly the ids its routes declare, no more, no fewer. */
export type OperationTable<Ids extends OperationId, P extends object = Ports> = { [K in Ids]: OperationOf<K, P> };
