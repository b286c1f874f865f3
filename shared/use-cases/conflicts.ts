import { ConflictError } from '#domain/errors.ts';
import { StaleVersionError } from '#ports/errors.ts';

/**
 * Runs a conditional write; losing the race to another writer becomes a 409 with the given
 * message (by default: read it and retry), naming the field that identifies the entity.
 */
export async function orConflict(
  write: () => Promise<void>,
  what: string,
  field: string,
  message = `${what} was changed by another request: read it and retry`,
): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof StaleVersionError) throw new ConflictError(message, field);
    throw err;
  }
}
