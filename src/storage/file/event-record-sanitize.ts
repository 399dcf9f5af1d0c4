/** The last line of defence for the port's promise that an event record never holds `p_` keys. */
import type { EventRecord } from '../ports.js';

/**
 * The record without any signal whose key starts with `p_` (AAM private keys: used for
 * qualification, never stored, reference/aam-dcs.md). Returns the same object when there is none.
 */
export function withoutPrivateSignals(record: EventRecord): EventRecord {
  const keys = Object.keys(record.signals);
  if (!keys.some(isPrivate)) return record;
  const signals: Record<string, string[]> = {};
  for (const key of keys) if (!isPrivate(key)) signals[key] = record.signals[key] ?? [];
  return { ...record, signals };
}

function isPrivate(key: string): boolean {
  return key.startsWith('p_');
}
