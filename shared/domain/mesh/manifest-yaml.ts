import { isScalar, parseAllDocuments } from 'yaml';
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import { checkTree } from './manifest-yaml-tree.ts';

/** The largest manifest file accepted, in bytes of UTF-8 (the seeds' files are under 1 KiB). */
export const MAX_MANIFEST_BYTES = 64 * 1024;
/** Aliases (`*name`) one file may hold; yaml's own maxAliasCount guards the expansion as well. */
export const MAX_ALIASES = 16;
/** Collections one file may nest. */
export const MAX_DEPTH = 32;
/** Values (scalars, maps and lists, aliases expanded) one file may amount to. */
export const MAX_NODES = 5_000;

const MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/json', 'text/plain', 'application/octet-stream'];

/** Refuses a Content-Type that is neither YAML nor JSON (a form post, say) rather than guess at it. */
export function checkMediaType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === '') return;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!MEDIA_TYPES.includes(type) && !type.endsWith('+yaml') && !type.endsWith('+json')) {
    throw new ValidationError(`a manifest is YAML or JSON; the content type ${type} is neither`, 'content-type', 'unsupported_media_type');
  }
}

const isEmptyDocument = (contents: unknown): boolean => contents === null || (isScalar(contents) && contents.value === null);

/** Whether a body is JSON by its Content-Type (so messages say JSON, not YAML). */
export const isJsonType = (contentType: string | undefined): boolean => {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
};

/**
 * Reads one YAML (or JSON) document into plain values, refusing what a manifest never needs and an
 * attacker would: a file over 64 KiB (413), more than one document, an alias bomb ("billion laughs"),
 * deep nesting, duplicate keys, custom tags, numbers not written in decimal. A scalar under a key
 * named `version` keeps its text (`version: 1.0` is "1.0", not the number 1).
 */
export function loadYaml(text: string, contentType?: string): unknown {
  // A UTF-16 unit is at least one UTF-8 byte, so a long string is refused before it is encoded.
  if (text.length > MAX_MANIFEST_BYTES || new TextEncoder().encode(text).length > MAX_MANIFEST_BYTES) throw new PayloadTooLargeError(MAX_MANIFEST_BYTES);
  const language = isJsonType(contentType) ? 'JSON' : 'YAML';
  // Duplicate keys are found by checkTree, which can name the key's path.
  const documents = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: true, strict: true, version: '1.2' });
  if (!Array.isArray(documents)) throw new ValidationError(`the file is not ${language}`, null, 'invalid_yaml');
  const filled = documents.filter((doc) => !isEmptyDocument(doc.contents));
  for (const doc of documents) {
    const problem = doc.errors[0];
    if (problem) throw new ValidationError(`the file is not valid ${language}: ${firstLine(problem.message)}`, null, 'invalid_yaml');
  }
  if (filled.length === 0) throw new ValidationError('the file is empty: it needs one manifest', null, 'invalid_yaml');
  if (filled.length > 1) {
    throw new ValidationError(`the file holds ${filled.length} YAML documents (separated by ---); apply one manifest per file`, null, 'multiple_documents');
  }
  const doc = filled[0];
  if (!doc) throw new ValidationError('the file is empty: it needs one manifest', null, 'invalid_yaml');
  const { aliases, depth } = checkTree(doc);
  const warning = doc.warnings[0];
  if (warning) throw new ValidationError(`the file is not valid ${language}: ${firstLine(warning.message)}`, null, 'invalid_yaml');
  if (aliases > MAX_ALIASES) throw tooComplex(`${aliases} aliases (at most ${MAX_ALIASES})`);
  if (depth > MAX_DEPTH) throw tooComplex(`nesting deeper than ${MAX_DEPTH}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES * 4 });
  } catch (err) {
    if (err instanceof ReferenceError) throw tooComplex('aliases that expand beyond the limit (an alias bomb)');
    throw new ValidationError(`the file is not valid ${language}: ${firstLine((err as Error).message)}`, null, 'invalid_yaml');
  }
  if (countNodes(value, MAX_NODES) > MAX_NODES) throw tooComplex(`more than ${MAX_NODES} values once its aliases are expanded`);
  return value;
}

const tooComplex = (what: string) => new ValidationError(`the file is refused: it has ${what}`, null, 'yaml_too_complex');

const firstLine = (message: string): string => message.split('\n')[0] ?? message;

/** Counts values with aliases expanded, stopping once past the limit (so a shared subtree cannot cost more than that). */
function countNodes(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const next = stack.pop();
    count += 1;
    if (Array.isArray(next)) stack.push(...next);
    else if (next !== null && typeof next === 'object') stack.push(...Object.values(next));
  }
  return count;
}
