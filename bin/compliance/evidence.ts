/**
 * Control evidence from the test run: each NIST SP 800-53 rev 5 control hms-sys helps meet, how, with
 * what configuration, and the tests that show it, each with its result in the last vitest run (its
 * JSON report). A named test that does not exist fails the whole evidence, so the table cannot cite
 * a test that was renamed or removed.
 */

/** A test by file and title path: its describe blocks' titles, then its own. */
export interface NamedTest {
  readonly file: string;
  readonly name: readonly string[];
}

export type ControlStatus = 'met' | 'partly met' | 'not met';

export interface Control {
  /** e.g. `AU-9(3)`. */
  readonly id: string;
  /** The control's title in SP 800-53 rev 5. */
  readonly title: string;
  readonly status: ControlStatus;
  /** How hms-sys meets it, in a sentence or two. */
  readonly how: string;
  /** The feature and the configuration it depends on. */
  readonly feature: string;
  /** The tests that show it; none for a control that is not met. */
  readonly tests: readonly NamedTest[];
  /** What is not met, and why; required unless the status is `met`. */
  readonly gap?: string;
}

export type TestResult = 'passed' | 'failed' | 'skipped' | 'not run';

export interface EvidenceRow extends Omit<Control, 'tests'> {
  readonly tests: ReadonlyArray<NamedTest & { readonly result: TestResult }>;
  /** `passed` only when every test named passed in the run read. */
  readonly lastRun: TestResult | 'no tests';
}

export interface Evidence {
  /** The vitest JSON report read, relative to the repository, or null when none was. */
  readonly results: string | null;
  /** When that run started (ISO 8601), or null. */
  readonly runStartedAt: string | null;
  readonly controls: readonly EvidenceRow[];
}

/** The part of vitest's JSON report read here (Jest's shape, which vitest's `json` reporter writes). */
export interface VitestReport {
  readonly startTime?: number;
  readonly testResults: ReadonlyArray<{
    /** The test file's absolute path. */
    readonly name: string;
    readonly assertionResults: ReadonlyArray<{ readonly ancestorTitles: readonly string[]; readonly title: string; readonly status: string }>;
  }>;
}

export class MissingTestsError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `the evidence names ${missing.length === 1 ? 'a test that does' : `${missing.length} tests that do`} not exist:\n${missing.map((m) => `  ${m}`).join('\n')}`,
    );
    this.name = 'MissingTestsError';
  }
}

/** `file › describe › title`, as the errors and the tables print a test. */
export const testLabel = (test: NamedTest) => [test.file, ...test.name].join(' › ');

/**
 * The string literals of a test file's source, as its titles are written: '...', "..." and `...`
 * without substitutions, outside comments. A title made at run time (test.each, a template) cannot be named.
 */
export function stringLiterals(source: string): Set<string> {
  const found = new Set<string>();
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') i = lineEnd(source, i);
    else if (c === '/' && next === '*') i = source.indexOf('*/', i + 2) === -1 ? source.length : source.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"' || c === '`') {
      const { end, text, plain } = quoted(source, i);
      if (plain) found.add(text);
      i = end;
    } else i += 1;
  }
  return found;
}

const lineEnd = (source: string, from: number) => (source.indexOf('\n', from) === -1 ? source.length : source.indexOf('\n', from));

/** The literal opened at `start`: its unescaped text, where it ends, and whether it is plain (no substitution). */
function quoted(source: string, start: number): { end: number; text: string; plain: boolean } {
  const quote = source[start]!;
  let text = '';
  let plain = true;
  let i = start + 1;
  while (i < source.length && source[i] !== quote) {
    const c = source[i]!;
    if (c === '\\') {
      text += source[i + 1] ?? '';
      i += 2;
    } else if (quote === '`' && c === '$' && source[i + 1] === '{') {
      plain = false;
      i = substitutionEnd(source, i + 2);
    } else if (quote !== '`' && c === '\n') {
      return { end: i, text, plain: false };
    } else {
      text += c;
      i += 1;
    }
  }
  return { end: i + 1, text, plain };
}

/** Past the `}` that closes a template substitution, skipping nested braces and literals. */
function substitutionEnd(source: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < source.length && depth > 0) {
    const c = source[i]!;
    if (c === "'" || c === '"' || c === '`') i = quoted(source, i).end;
    else {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      i += 1;
    }
  }
  return i;
}

/**
 * The evidence table: every named test must exist in its file's source and, when the report ran that
 * file, in the report too; its result is the report's, or `not run`. Throws MissingTestsError otherwise.
 * `source(file)` returns a test file's text, or null when there is no such file.
 */
export function buildEvidence(
  controls: readonly Control[],
  source: (file: string) => string | null,
  report?: { path: string; root: string; data: VitestReport },
): Evidence {
  const missing: string[] = [];
  const literals = new Map<string, Set<string> | null>();
  const literalsOf = (file: string) => {
    if (!literals.has(file)) {
      const text = source(file);
      literals.set(file, text === null ? null : stringLiterals(text));
    }
    return literals.get(file)!;
  };
  const runFiles = new Map((report?.data.testResults ?? []).map((file) => [relative(report!.root, file.name), file.assertionResults]));

  const rows = controls.map((control): EvidenceRow => {
    if (control.status !== 'met' && !control.gap) throw new Error(`${control.id} is ${control.status}: say what is missing, and why, in its gap`);
    if (control.status === 'not met' && control.tests.length > 0) throw new Error(`${control.id} is not met, so it cites no tests as evidence`);
    if (control.status !== 'not met' && control.tests.length === 0) throw new Error(`${control.id} is ${control.status} but names no test that shows it`);
    const tests = control.tests.map((test) => {
      const known = literalsOf(test.file);
      if (known === null) {
        missing.push(`${testLabel(test)} (no file ${test.file})`);
        return { ...test, result: 'not run' as const };
      }
      const absent = test.name.filter((title) => !known.has(title));
      if (absent.length > 0) missing.push(`${testLabel(test)} (not in ${test.file}: ${absent.map((t) => JSON.stringify(t)).join(', ')})`);
      const ran = runFiles.get(test.file);
      if (ran === undefined) return { ...test, result: 'not run' as const };
      const found = ran.find((r) => r.title === test.name.at(-1) && sameTitles(r.ancestorTitles, test.name.slice(0, -1)));
      if (found === undefined) {
        missing.push(`${testLabel(test)} (${report!.path} ran ${test.file} without it)`);
        return { ...test, result: 'not run' as const };
      }
      return { ...test, result: resultOf(found.status) };
    });
    return { ...control, tests, lastRun: overall(tests.map((t) => t.result)) };
  });
  if (missing.length > 0) throw new MissingTestsError(missing);
  return {
    results: report?.path ?? null,
    runStartedAt: report?.data.startTime === undefined ? null : new Date(report.data.startTime).toISOString(),
    controls: rows,
  };
}

const sameTitles = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((title, i) => title === b[i]);

function resultOf(status: string): TestResult {
  if (status === 'passed' || status === 'failed') return status;
  return 'skipped';
}

function overall(results: readonly TestResult[]): EvidenceRow['lastRun'] {
  if (results.length === 0) return 'no tests';
  for (const worst of ['failed', 'not run', 'skipped'] as const) if (results.includes(worst)) return worst;
  return 'passed';
}

/** A report path relative to the repository root, with forward slashes. */
function relative(root: string, path: string): string {
  const normalized = path.replace(/\\/g, '/');
  const prefix = `${root.replace(/\\/g, '/').replace(/\/$/, '')}/`;
  return normalized.startsWith(prefix) ? normalized.slice(prefix.length) : normalized;
}
