/**
 * Admin entry points for single trait rules, mirroring AAM's "validate expression"
 * (`POST /v1/traits/validate`) and the Trait Builder test box (§5.4).
 */
import type { SignalMap } from '../signals/signal-map.js';
import type { RuleError } from './index.js';
import { EventValues, KeyTable } from './trait-compiler.js';
import { parseTraitRule } from './trait-parser.js';
import { TraitProgramBuilder } from './trait-program.js';

/** Parses and validates a trait rule; `undefined` when it is valid. */
export function validateTraitRule(text: string): RuleError | undefined {
  const ast = parseTraitRule(text);
  return 'type' in ast ? undefined : ast;
}

/** Evaluate one trait rule against signals (admin "test this rule" endpoint). Throws nothing: returns RuleError on bad rule. */
export function testTraitRule(text: string, signals: SignalMap): boolean | RuleError {
  const ast = parseTraitRule(text);
  if (!('type' in ast)) return ast;
  const keys = new KeyTable();
  const builder = new TraitProgramBuilder(keys);
  const pc = builder.add(ast);
  return builder.build().evaluate(pc, new EventValues(keys).reset(signals));
}
