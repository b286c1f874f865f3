/**
 * Label selectors as the API server parses them: equality (`k=v`, `k==v`, `k!=v`), set-based
 * (`k in (a,b)`, `k notin (a,b)`) and existence (`k`, `!k`) requirements, ANDed by commas.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 * A requirement that does not parse is a 400, as the API server answers.
 */
import { SimStatusError } from './request-parsing.ts';

type Labels = Readonly<Record<string, string>>;
type Requirement = (labels: Labels) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Splits on the commas outside parentheses. */
function terms(selector: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i += 1) {
    if (selector[i] === '(') depth += 1;
    else if (selector[i] === ')') depth -= 1;
    else if (selector[i] === ',' && depth === 0) {
      found.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  found.push(selector.slice(start));
  return found.map((t) => t.trim());
}

function requirement(term: string): Requirement {
  const bad = () => new SimStatusError(400, 'BadRequest', `unable to parse requirement: ${JSON.stringify(term)}`);
  const checkKey = (key: string) => {
    if (!KEY.test(key)) throw bad();
    return key;
  };
  const checkValue = (value: string) => {
    if (!VALUE.test(value)) throw bad();
    return value;
  };
  let match = /^!\s*(\S+)$/.exec(term);
  if (match) {
    const key = checkKey(match[1]!);
    return (labels) => !(key in labels);
  }
  match = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(term);
  if (match) {
    const key = checkKey(match[1]!);
    const values = new Set(match[3]!.split(',').map((v) => checkValue(v.trim())));
    return match[2] === 'in' ? (labels) => key in labels && values.has(labels[key]!) : (labels) => !(key in labels) || !values.has(labels[key]!);
  }
  match = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(term);
  if (match) {
    const key = checkKey(match[1]!);
    const value = checkValue(match[3]!);
    return match[2] === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  if (/^\S+$/.test(term)) {
    const key = checkKey(term);
    return (labels) => key in labels;
  }
  throw bad();
}

/** A predicate for the selector; the empty selector matches everything. */
export function labelMatcher(selector: string): (labels: Labels | undefined) => boolean {
  if (selector.trim() === '') return () => true;
  const requirements = terms(selector).map(requirement);
  return (labels) => requirements.every((r) => r(labels ?? {}));
}
