/**
 * The `EventLog` contract every adapter passes (STYLE.md §8). The harness supplies `read`, which
 * returns everything the adapter has made durable so far, in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog, EventRecord, LoggedEvent } from '../ports.js';
import type { SignalMap } from '../../signals/signal-map.js';

export interface EventLogHarness {
  log: EventLog;
  read(): Promise<LoggedEvent[]>;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 29, 12);

/** A record with every optional field, so a lossy encoding shows up. */
export function sampleRecord(i: number, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    ts: T0 + i,
    tid: `tid-${i}`,
    visitorId: `v-${i % 7}`,
    signals: new Map([
      ['c_page', [`/p/${i}`]],
      ['c_tags', ['a', 'b']],
    ]),
    traits: [i, i + 1],
    segments: [i * 2],
    errors: i % 3 === 0 ? [354] : [],
    partners: { '7': 'ok' },
    ...overrides,
  };
}

/** A signal map as an object of fresh arrays; `p_` keys too when `withPrivate`. */
export function signalsObject(signals: SignalMap, withPrivate = false): Record<string, string[]> {
  const kept = [...signals].filter(([k]) => withPrivate || !k.startsWith('p_'));
  return Object.fromEntries(kept.map(([k, v]) => [k, [...v]]));
}

/** What a log keeps of `r`: the signals as an object, without `p_` keys. */
export function logged(r: EventRecord): LoggedEvent {
  return { ...r, signals: signalsObject(r.signals) };
}

export function eventLogContract(name: string, make: () => Promise<EventLogHarness>): void {
  describe(`EventLog contract: ${name}`, () => {
    let h: EventLogHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('makes every appended record readable after flush, in append order', async () => {
      const records = Array.from({ length: 50 }, (_, i) => sampleRecord(i));
      for (const r of records) expect(h.log.append(r)).toBeUndefined();
      await h.log.flush();
      expect(await h.read()).toEqual(records.map(logged));
    });

    it('writes everything still buffered on close', async () => {
      const records = Array.from({ length: 20 }, (_, i) => sampleRecord(i));
      for (const r of records) h.log.append(r);
      await h.log.close();
      expect(await h.read()).toEqual(records.map(logged));
    });

    it('is unaffected by the caller mutating a record after append', async () => {
      const r = sampleRecord(1);
      h.log.append(r);
      r.traits.push(999);
      (r.signals as Map<string, string[]>).set('c_page', ['changed']);
      await h.log.flush();
      expect(await h.read()).toEqual([logged(sampleRecord(1))]);
    });

    it('keeps records without optional fields as they are', async () => {
      const { visitorId: _v, partners: _p, ...bare } = sampleRecord(2);
      h.log.append(bare);
      await h.log.flush();
      expect(await h.read()).toEqual([logged(bare)]);
    });

    it('flushes with nothing appended', async () => {
      await h.log.flush();
      expect(await h.read()).toEqual([]);
    });
  });
}
