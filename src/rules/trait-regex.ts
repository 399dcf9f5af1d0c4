/**
 * `matchesregex` runs on RE2 (linear time, no backtracking), so no rule can hang the event loop.
 * AAM documents Java `Pattern` semantics (§5.4); Java features RE2 cannot run — backreferences,
 * lookaround, possessive quantifiers, atomic groups — are rejected when the rule is validated.
 */
import RE2 from 're2';
import type { RuleError } from './index.js';
import { ruleError } from './rule-error.js';

const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\\[1-9]|\\k</, 'backreferences'],
  [/\(\?<?[=!]/, 'lookahead/lookbehind'],
  [/\(\?>/, 'atomic groups'],
  [/[*+?}]\+/, 'possessive quantifiers'],
];

/** Compiles a `matchesregex` pattern, or explains why it cannot be used. Search (find) semantics. */
export function compileRegex(pattern: string, position: number): { re: RE2 } | { error: RuleError } {
  for (const [probe, feature] of UNSUPPORTED) {
    if (probe.test(pattern)) {
      return {
        error: ruleError(
          position,
          `matchesregex pattern uses ${feature}, which the linear-time RE2 engine does not support`,
        ),
      };
    }
  }
  try {
    return { re: new RE2(pattern, 'u') };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { error: ruleError(position, `invalid matchesregex pattern: ${detail}`) };
  }
}
