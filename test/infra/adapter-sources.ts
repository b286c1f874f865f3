/**
 * What the AWS adapters send, read from their source so it cannot drift: the SDK command classes
 * each adapter file imports and constructs, which class member sends which (following calls within
 * the file), and which adapter files and port methods a function's handler can reach.
 *
 * Reach is by module: a port call anywhere in a module the handler loads counts. So use cases that
 * need different grants live in different modules (issue and revoke, health and sweep), and a
 * module that imports one function of another loads all of that module's calls.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const AWS_ADAPTERS = 'shared/adapters/aws/';

const ALIASES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { imports: Record<string, string> }).imports;

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

/** An SDK command an adapter file constructs, with the client package it comes from. */
export interface SdkCommand {
  /** The operation, e.g. `RotateSecret`. */
  readonly operation: string;
  /** e.g. `@aws-sdk/client-secrets-manager`. */
  readonly sdkPackage: string;
}

/** Command classes imported (as values) from `@aws-sdk/client-*` packages. */
export function importedCommands(file: string): SdkCommand[] {
  const found: SdkCommand[] = [];
  for (const [, names, sdkPackage] of read(file).matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g)) {
    for (const name of names!.split(',').map((n) => n.trim())) {
      if (name.startsWith('type ') || !name.endsWith('Command')) continue;
      found.push({ operation: name.slice(0, -'Command'.length), sdkPackage: sdkPackage! });
    }
  }
  return found;
}

/** Operations constructed with `new <Operation>Command(`. */
export function constructedOperations(file: string): string[] {
  return [...new Set([...read(file).matchAll(/new\s+(\w+)Command\s*\(/g)].map(([, operation]) => operation!))];
}

const MEMBER = /^ {2}(?:(?:static|private|public|protected|readonly|override|async|get|set)\s+)*(#?\w+)\s*(?:<[^>]*>)?\(/;
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'await', 'throw', 'do', 'else', 'try', 'super']);
const TOP_LEVEL = /^(?:export\s+)?(?:async\s+)?function\s+(\w+)|^(?:export\s+)?const\s+(\w+)\s*=/;

/**
 * The operations each class member (and top-level function) of an adapter file sends, directly or
 * through other members and functions of the same file it calls.
 */
export function operationsByMember(file: string): Map<string, Set<string>> {
  const bodies = new Map<string, string[]>();
  let current = '(module)';
  let inClass = false;
  for (const line of read(file).split('\n')) {
    if (/^(?:export\s+)?(?:abstract\s+)?class\s/.test(line)) inClass = true;
    else if (line.startsWith('}')) inClass = false;
    const member = inClass ? MEMBER.exec(line) : TOP_LEVEL.exec(line);
    if (member && !KEYWORDS.has(member[1] ?? '')) current = member[1] ?? member[2]!;
    bodies.set(current, [...(bodies.get(current) ?? []), line]);
  }
  const direct = new Map<string, Set<string>>();
  const calls = new Map<string, Set<string>>();
  for (const [name, lines] of bodies) {
    const body = lines.join('\n');
    direct.set(name, new Set([...body.matchAll(/new\s+(\w+)Command\s*\(/g)].map(([, op]) => op!)));
    const called = [...body.matchAll(/this\.(#?\w+)|\b(\w+)\s*\(/g)].map(([, viaThis, bare]) => viaThis ?? bare!);
    calls.set(name, new Set(called.filter((callee) => callee !== name && bodies.has(callee))));
  }
  const closed = new Map<string, Set<string>>();
  const visit = (name: string, seen: Set<string>): Set<string> => {
    const ops = new Set(direct.get(name));
    for (const callee of calls.get(name) ?? []) {
      if (seen.has(callee)) continue;
      seen.add(callee);
      for (const op of visit(callee, seen)) ops.add(op);
    }
    return ops;
  };
  for (const name of bodies.keys()) closed.set(name, visit(name, new Set([name])));
  return closed;
}

/** Resolves an import specifier from `fromFile` to a repository path, or undefined for packages. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return relative(REPO_ROOT, resolve(REPO_ROOT, dirname(fromFile), specifier));
  for (const [alias, target] of Object.entries(ALIASES)) {
    const prefix = alias.replace('*', '');
    if (specifier.startsWith(prefix)) return relative(REPO_ROOT, resolve(REPO_ROOT, target.replace('*', specifier.slice(prefix.length))));
  }
  return undefined;
}

/** Every repository file a module can load, static and dynamic imports alike (type-only imports left out). */
export function reachableFiles(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(join(REPO_ROOT, file))) continue;
    seen.add(file);
    const source = read(file);
    const specifiers = [
      ...[...source.matchAll(/^\s*import\s+(?!type\s)[^;]*?from\s*'([^']+)'/gms)].map(([, s]) => s!),
      ...[...source.matchAll(/^\s*export\s+(?!type\s)[^;]*?from\s*'([^']+)'/gms)].map(([, s]) => s!),
      ...[...source.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map(([, s]) => s!),
    ];
    for (const specifier of specifiers) {
      const target = resolveSpecifier(file, specifier);
      if (target !== undefined && !seen.has(target)) queue.push(target);
    }
  }
  return seen;
}

/** Each method called on a port variable (e.g. `secrets.rotate(`) in `files`, with the files that call it. */
export function portMethodCallers(files: Iterable<string>, port: string): Map<string, Set<string>> {
  const callers = new Map<string, Set<string>>();
  const pattern = new RegExp(`\\b${port}\\??\\.(\\w+)\\s*\\(`, 'g');
  for (const file of files) {
    for (const [, method] of read(file).matchAll(pattern)) callers.set(method!, new Set([...(callers.get(method!) ?? []), file]));
  }
  return callers;
}

/** The handler of a declared function. */
export const handlerFile = (functionName: string) => `functions/${functionName}/handler.ts`;
