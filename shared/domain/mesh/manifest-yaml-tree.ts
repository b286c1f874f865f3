import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node, visit } from 'yaml';
import { ValidationError } from '../errors.ts';
import { fieldPath, fieldUnder } from './manifest-paths.ts';

/** The YAML 1.2 core schema's tags (`!!str` …): any other tag is one a manifest has no use for. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));
/** Keys whose number is a port: Kubernetes decodes them as int32, so only decimal digits. */
const PORT_KEYS = new Set(['port', 'containerPort']);
const DECIMAL = /^-?\d+(\.\d+)?$/;

export interface TreeFacts {
  aliases: number;
  /** The deepest nesting of maps and lists. */
  depth: number;
}

const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

/** The path of a node from its ancestors, as visit() gives them. */
function pathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const chain = [...ancestors, node];
  const parts: (string | number)[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    if (isPair(parent)) parts.push(keyText(parent.key));
    else if (isSeq(parent)) parts.push(parent.items.indexOf(chain[i + 1] as Node));
  }
  return parts;
}

/**
 * Walks a parsed document before it becomes plain values, refusing (with the field's path) a duplicate
 * key, a custom tag, an alias to an anchor not set before it, and a number written other than in
 * decimal (0x50, 0o17, 1e3, .inf). A scalar under a key named `version` keeps its text.
 */
export function checkTree(doc: Document): TreeFacts {
  const anchors = new Set<string>();
  const facts: TreeFacts = { aliases: 0, depth: 0 };
  visit(doc, (_key, node, ancestors) => {
    const field = () => fieldPath(pathOf(ancestors, node));
    facts.depth = Math.max(facts.depth, ancestors.filter((a) => isMap(a) || isSeq(a)).length);
    if (isAlias(node)) {
      facts.aliases += 1;
      if (!anchors.has(node.source)) {
        throw new ValidationError(
          `alias *${node.source} is not defined: an alias names an anchor (&${node.source}) set earlier in the file`,
          field() || null,
          'invalid_yaml',
        );
      }
      return;
    }
    if (isPair(node)) {
      if (isScalar(node.key) && node.key.value === 'version' && isScalar(node.value) && typeof node.value.value === 'number' && node.value.source) {
        node.value.value = node.value.source;
      }
      return;
    }
    if (!isScalar(node) && !isMap(node) && !isSeq(node)) return;
    if (node.anchor) anchors.add(node.anchor);
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      const at = field();
      throw new ValidationError(`${at ? `${at} uses` : 'the file uses'} the tag ${node.tag}, which a manifest has no use for`, at || null, 'invalid_yaml');
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        if (seen.has(key)) {
          const at = fieldUnder(field(), key);
          throw new ValidationError(`${at} is written twice: a key may appear once in a mapping`, at, 'duplicate_key');
        }
        seen.add(key);
      }
    }
    if (isScalar(node) && typeof node.value === 'number' && node.source !== undefined) checkNumber(node.source, pathOf(ancestors, node), field());
  });
  return facts;
}

function checkNumber(source: string, path: (string | number)[], field: string): void {
  const key = path.at(-1);
  if (typeof key === 'string' && PORT_KEYS.has(key) && !/^\d+$/.test(source)) {
    throw new ValidationError(`${field} must be a decimal integer like 8080 (a port is never written in hex or with an exponent), not ${source}`, field);
  }
  if (!DECIMAL.test(source))
    throw new ValidationError(`${field || 'the value'} must be a number written in decimal (like 30 or 2.5), not ${source}`, field || null);
}
