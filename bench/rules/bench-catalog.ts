/**
 * Deterministic synthetic catalog and event stream for the rules benchmark: 10,000 rule-based
 * traits over 500 keys (equality, numeric range, contains, regex, compound with NOT), 50 folder
 * traits, 2,000 segments (AND/OR/NOT, 20 % with frequency/recency), events of 20 signals.
 */
import type { SegmentInput, TraitRuleInput } from '../../src/rules/index.js';

/** mulberry32: small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchEvent {
  visitor: number;
  at: number;
  signals: Map<string, string[]>;
}

export interface BenchCatalog {
  traits: TraitRuleInput[];
  ttlDays: Map<number, number>;
  folders: Map<number, number[]>;
  segments: SegmentInput[];
}

const KEY_COUNT = 500;
const TEXT_KEYS = 300; // c_k0..c_k299 carry words, c_k300..c_k499 carry numbers 0..99
const WORDS = ['red', 'blue', 'green', 'shoes', 'travel', 'gold', 'news', 'sport'];
const TRAIT_BASE = 1_000;
const FOLDER_BASE = 900_000;
const SEGMENT_BASE = 5_000_000;

const key = (i: number): string => `c_k${i}`;
const word = (j: number): string => `${WORDS[j % WORDS.length] ?? 'x'}-${j}`;

export function buildCatalog(seed: number, traitCount = 10_000, segmentCount = 2_000): BenchCatalog {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const textKey = (): string => key(int(TEXT_KEYS));
  const numKey = (): string => key(TEXT_KEYS + int(KEY_COUNT - TEXT_KEYS));
  const traits: TraitRuleInput[] = [];
  const ttlDays = new Map<number, number>();
  for (let i = 0; i < traitCount; i++) {
    const sid = TRAIT_BASE + i;
    const kind = rnd();
    let rule: string;
    if (kind < 0.4) rule = `${textKey()} == "${word(int(30))}"`;
    else if (kind < 0.65) {
      const k = numKey();
      const lo = int(90);
      rule = `${k} >= ${lo} AND ${k} <= ${lo + 1 + int(10)}`;
    } else if (kind < 0.8) rule = `${textKey()} contains "${WORDS[int(WORDS.length)] ?? ''}-1"`;
    else if (kind < 0.9)
      rule = `${textKey()} matchesregex "^(${WORDS[int(4)] ?? ''}|${WORDS[4 + int(4)] ?? ''})-2[0-9]$"`;
    else
      rule = `(${textKey()} == "${word(int(30))}" OR ${numKey()} > ${90 + int(9)}) AND NOT ${textKey()} contains "gold"`;
    traits.push({ sid, dataSourceId: 1 + (i % 5), rule });
    ttlDays.set(sid, [1, 7, 30, 120, 0][int(5)] ?? 120);
  }
  const folders = new Map<number, number[]>();
  for (let f = 0; f < 50; f++) {
    folders.set(
      FOLDER_BASE + f,
      Array.from({ length: 20 }, () => TRAIT_BASE + int(traitCount)),
    );
  }
  const t = (): string => `${TRAIT_BASE + int(traitCount)}T`;
  const folder = (): string => `${FOLDER_BASE + int(50)}T`;
  const segments: SegmentInput[] = [];
  for (let i = 0; i < segmentCount; i++) {
    const kind = rnd();
    let rule: string;
    if (kind < 0.3) rule = `${t()} AND ${t()}`;
    else if (kind < 0.55) rule = `${t()} OR ${t()} OR ${t()}`;
    else if (kind < 0.75) rule = `(${t()} OR ${t()}) AND NOT ${t()}`;
    else if (kind < 0.8) rule = `${folder()} AND NOT ${t()}`;
    else if (kind < 0.87) rule = `frequency([${t()},${t()}] <= ${1 + int(7)}D) >= ${1 + int(3)}`;
    else if (kind < 0.94) rule = `frequency([${t()}] >= ${1 + int(3)}D) >= 1 AND ${t()}`;
    else rule = `frequency([${folder()}]) >= ${1 + int(3)} AND frequency([${t()}]) <= 2 AND ${t()}`;
    segments.push({ sid: SEGMENT_BASE + i, rule, status: i % 20 === 0 ? 'INACTIVE' : 'ACTIVE' });
  }
  return { traits, ttlDays, folders, segments };
}

/**
 * `count` events of 20 distinct keys each, over `visitors` visitors, about 30 s apart (≈ a week for
 * 22k). Visitors come in sessions of 1–10 page views (mean 5.5), as on a real site: a profile is
 * evaluated several times per visit, and only a visit's first event can be the visitor's first of
 * a UTC day. (Earlier versions drew a random visitor per event: ~1.4 events per visitor per day,
 * so most events took the day-change path — unrealistically often.)
 */
export function buildEvents(seed: number, count: number, visitors: number, start: number): BenchEvent[] {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const events: BenchEvent[] = [];
  /** Open sessions: visitor and page views left; interleaved like concurrent visits. */
  const open: Array<{ visitor: number; left: number }> = [];
  let at = start;
  for (let e = 0; e < count; e++) {
    at += int(60_000);
    const signals = new Map<string, string[]>();
    while (signals.size < 20) {
      const k = int(KEY_COUNT);
      signals.set(key(k), [k < TEXT_KEYS ? word(int(30)) : String(int(100))]);
    }
    if (open.length === 0 || rnd() < 0.15) open.push({ visitor: int(visitors), left: 1 + int(10) });
    const slot = int(open.length);
    const session = open[slot] as { visitor: number; left: number };
    if (--session.left === 0) open.splice(slot, 1);
    events.push({ visitor: session.visitor, at, signals });
  }
  return events;
}
