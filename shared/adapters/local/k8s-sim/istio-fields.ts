/**
 * Which fields Istio's CRD schemas declare, so an unknown one is refused (fieldValidation=Strict),
 * or dropped with a warning (Warn, the default) or silently (Ignore), as the API server prunes a
 * structural schema's unknown fields: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 * The declared fields are read from @kubernetes-models/istio's type declarations (generated from
 * Istio's CRDs; its validators accept unknown fields), parsed here once per kind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isObject } from './request-parsing.ts';

/** Object properties, a map's values (`*`), an array's elements (`[]`), or anything (null). */
type FieldTree = { props?: Map<string, FieldTree | null>; map?: FieldTree | null; items?: FieldTree | null } | null;

const FILES: Record<string, string> = {
  VirtualService: 'networking.istio.io/v1/VirtualService.d.ts',
  DestinationRule: 'networking.istio.io/v1/DestinationRule.d.ts',
  ServiceEntry: 'networking.istio.io/v1/ServiceEntry.d.ts',
  PeerAuthentication: 'security.istio.io/v1/PeerAuthentication.d.ts',
  AuthorizationPolicy: 'security.istio.io/v1/AuthorizationPolicy.d.ts',
};
const trees = new Map<string, FieldTree>();

function treeOf(kind: string): FieldTree {
  if (!trees.has(kind)) {
    const text = readFileSync(join(packageDir(), FILES[kind]!), 'utf8');
    const start = text.indexOf(`export interface I${kind} {`);
    trees.set(kind, new Parser(text.slice(start + `export interface I${kind} `.length)).type());
  }
  return trees.get(kind)!;
}

/** The package's folder, found as Node finds it: in the nearest node_modules up from here (its exports hide the .d.ts files). */
function packageDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@kubernetes-models', 'istio');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('@kubernetes-models/istio is not installed');
  }
}

/** A small recursive-descent reader of the declarations' type literals. */
class Parser {
  private readonly tokens: string[];
  private at = 0;

  constructor(text: string) {
    const clean = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
    this.tokens = clean.match(/"(?:[^"\\]|\\.)*"|[A-Za-z_$][\w$.]*|-?\d+(?:\.\d+)?|[{}[\]()<>;:?|,&=]/g) ?? [];
  }

  private peek = () => this.tokens[this.at];
  private next = () => this.tokens[this.at++];

  /** Type := Primary (('|' | '&') Primary)*; object branches of a union or intersection are merged. */
  type(): FieldTree {
    if (this.peek() === '|' || this.peek() === '&') this.next();
    const branches = [this.primary()];
    while (this.peek() === '|' || this.peek() === '&') {
      this.next();
      branches.push(this.primary());
    }
    const objects = branches.filter((b): b is NonNullable<FieldTree> => b !== null);
    if (objects.length === 0) return null;
    if (objects.length === 1) return objects[0]!;
    const props = new Map<string, FieldTree | null>();
    for (const branch of objects) for (const [k, v] of branch.props ?? []) props.set(k, v);
    return { props };
  }

  private primary(): FieldTree {
    let result: FieldTree;
    const token = this.next();
    if (token === '{') result = this.members();
    else if (token === '(') {
      result = this.type();
      this.next(); // ')'
    } else if (token === 'Array' && this.peek() === '<') {
      this.next();
      result = { items: this.type() };
      this.next(); // '>'
    } else {
      if (this.peek() === '<') this.skipGenerics();
      result = null;
    }
    while (this.peek() === '[' && this.tokens[this.at + 1] === ']') {
      this.at += 2;
      result = { items: result };
    }
    return result;
  }

  private skipGenerics(): void {
    let depth = 0;
    do {
      const t = this.next();
      if (t === '<') depth += 1;
      if (t === '>') depth -= 1;
    } while (depth > 0 && this.at < this.tokens.length);
  }

  private members(): FieldTree {
    const props = new Map<string, FieldTree | null>();
    let map: FieldTree | undefined;
    while (this.peek() !== '}' && this.at < this.tokens.length) {
      if (this.peek() === '[') {
        while (this.next() !== ']');
        this.next(); // ':'
        map = this.type();
      } else {
        const key = this.next()!.replace(/^"|"$/g, '');
        if (this.peek() === '?') this.next();
        this.next(); // ':'
        props.set(key, this.type());
      }
      if (this.peek() === ';' || this.peek() === ',') this.next();
    }
    this.next(); // '}'
    if (map !== undefined) return { map };
    // An empty type literal declares nothing: taken as any value (a preserved-unknown-fields struct).
    return props.size === 0 ? null : { props };
  }
}

/** The paths (spec.http[0].foo) of fields the kind's CRD does not declare; only spec is checked. */
export function unknownIstioFields(kind: string, object: Record<string, unknown>): string[] {
  if (!FILES[kind]) return [];
  const found: string[] = [];
  const walk = (value: unknown, tree: FieldTree, path: string) => {
    if (tree === null || value === null || value === undefined) return;
    if (tree.items !== undefined && Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, tree.items ?? null, `${path}[${i}]`);
    } else if (tree.map !== undefined && isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, tree.map, `${path}[${k}]`);
    else if (tree.props && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (!tree.props.has(k)) found.push(`${path}.${k}`);
        else walk(v, tree.props.get(k) ?? null, `${path}.${k}`);
      }
    }
  };
  const spec = treeOf(kind)?.props?.get('spec') ?? null;
  walk(object.spec, spec, 'spec');
  return found;
}

/** Removes the fields at those paths (as unknownIstioFields names them). */
export function pruneFields(object: Record<string, unknown>, paths: string[]): void {
  for (const path of paths) {
    const parts = path.match(/[^.[\]]+/g) ?? [];
    let node: unknown = object;
    for (const part of parts.slice(0, -1)) node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (isObject(node)) delete node[parts.at(-1)!];
  }
}
