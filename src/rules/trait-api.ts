/**
 * Admin entry points for single trait rules, mirroring AAM's "validate expression"
 * (`POST /v1/traits/validate`) and the Trait Builder test box (§5.4).
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { RuleError } from './index.js';
import { compileTraitNode, EventValues } from './trait-compiler.js';
import { parseTraitRule } from './trait-parser.js';

/** Parses and validates a trait rule; `undefined` when it is valid. */
export function validateTraitRule(text: string): RuleError | undefined {
  const ast = parseTraitRule(text);
  return 'type' in ast ? undefined : ast;
}

/** Evaluate one trait rule against signals (admin "test this rule" endpoint). Throws nothing: returns RuleError on bad rule. */
export function testTraitRule(text: string, signals: SignalMap): boolean | RuleError {
  const ast = parseTraitRule(text);
  if (!('type' in ast)) return ast;
  return compileTraitNode(ast)(new EventValues().reset(signals));
}
