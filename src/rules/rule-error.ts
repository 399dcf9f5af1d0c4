/**
 * Building and describing {@link RuleError}s. Every parse or validation error names the 0-based
 * character position and, when known, the tokens that would have been accepted there (issue:
 * "Parse/validation errors name the position and the expected token").
 */
import type { RuleError } from './index.js';

/** A RuleError with a message of the form `expected X, Y or Z at position N but found 'tok'`. */
export function expectedError(position: number, expected: readonly string[], found: string): RuleError {
  return {
    message: `expected ${listOf(expected)} at position ${position} but found ${found}`,
    position,
    expected: [...expected],
  };
}

/** A RuleError without an expected-token list (semantic validation failures). */
export function ruleError(position: number, message: string): RuleError {
  return { message: `${message} (at position ${position})`, position };
}

/** Exception used internally by the recursive-descent parsers; never escapes the public API. */
export class RuleSyntaxError extends Error {
  constructor(readonly ruleError: RuleError) {
    super(ruleError.message);
  }
}

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}
