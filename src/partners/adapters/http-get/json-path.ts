/**
 * The small JSON path subset the `http-get` adapter maps answers with (docs/partner-protocol.md
 * "Templated GET"): an optional `$` root, `.name` properties, `[*]` every array element and
 * `[n]` one element, e.g. `segments`, `data.audiences[*].id`, `$[*].code`, `result.lists[0]`.
 * No filters, slices or recursive descent: a provider needing more gets its own adapter.
 */

type Step = { kind: 'prop'; name: string } | { kind: 'all' } | { kind: 'index'; index: number };

/** The accepted syntax; also used as the params-schema `pattern`. */
export const JSON_PATH_PATTERN = '^(\\$|[A-Za-z0-9_-]+)(\\.[A-Za-z0-9_-]+|\\[(\\*|[0-9]{1,6})\\])*$';
const PATH_RE = new RegExp(JSON_PATH_PATTERN);
const STEP_RE = /\.([A-Za-z0-9_-]+)|\[(\*|[0-9]+)\]/g;

// Paths come from a handful of partner instances; parsing each once keeps the hot path to a walk.
const compiled = new Map<string, Step[]>();

export function parseJsonPath(path: string): Step[] | undefined {
  const cached = compiled.get(path);
  if (cached !== undefined) return cached;
  if (!PATH_RE.test(path)) return undefined;
  const rooted = path.startsWith('$') ? path.slice(1) : `.${path}`;
  const steps: Step[] = [];
  for (const [, name, bracket] of rooted.matchAll(STEP_RE)) {
    if (name !== undefined) steps.push({ kind: 'prop', name });
    else if (bracket === '*') steps.push({ kind: 'all' });
    else steps.push({ kind: 'index', index: Number(bracket) });
  }
  compiled.set(path, steps);
  return steps;
}

/** Every value the path reaches; a missing (or `null`) property or index reaches nothing (not an error). */
export type PathResult = { ok: true; values: unknown[] } | { ok: false; reason: string };

/**
 * Walks the path. A step applied to the wrong JSON type (a property of an array or string, `[*]`
 * of an object) is a shape error: the provider's answer is not what the partner was configured for.
 */
export function selectJsonPath(root: unknown, path: string): PathResult {
  const steps = parseJsonPath(path);
  if (steps === undefined) return { ok: false, reason: `unsupported path ${path}` };
  let values: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of values) {
      if (step.kind === 'prop') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return { ok: false, reason: `${path}: .${step.name} of a non-object` };
        }
        const child = (value as Record<string, unknown>)[step.name];
        // `null` counts as missing: many simple APIs answer `{"data": null}` for an unknown user.
        if (child !== undefined && child !== null && Object.hasOwn(value, step.name)) next.push(child);
      } else {
        if (!Array.isArray(value)) return { ok: false, reason: `${path}: [] of a non-array` };
        if (step.kind === 'all') for (const item of value as unknown[]) next.push(item);
        else if (step.index < value.length) next.push(value[step.index]);
      }
    }
    values = next;
  }
  return { ok: true, values };
}
