/**
 * In-memory `EventLog` for tests. It records exactly what callers append (no `p_` stripping), so
 * a test can catch a caller that leaks private signals instead of having the log hide it.
 */
import type { EventLog, EventRecord } from '../ports.js';

/** An event log whose records stay in `records`, in append order. */
export interface MemoryEventLog extends EventLog {
  readonly records: EventRecord[];
}

export function createMemoryEventLog(): MemoryEventLog {
  const records: EventRecord[] = [];
  return {
    records,
    append(record) {
      records.push(structuredClone(record));
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
