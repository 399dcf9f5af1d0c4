/**
 * Targeting outputs built from a `/event` reply: ad-server key-values (Google Publisher Tag
 * `setTargeting`) and OpenRTB 2.6 `user.data` entries (Prebid.js `ortb2`). Pure functions shared
 * by the tag and any server-side formatter; no Node imports.
 */
import type { DcsReply, StuffItem } from './dcs-reply.js';

/** Key → values, as `googletag.pubads().setTargeting(key, values)` takes them. */
export type Targeting = Record<string, string[]>;

/**
 * Key-values from a reply: the segment ids under `key`, plus each cookie destination. A cookie
 * value holding `k=v` pairs (`;`-separated, values `,`-separated — AAM's serialised key-value
 * format) contributes those keys; a plain value contributes `cn` → its `,`-separated values.
 */
export function targetingFromReply(reply: Pick<DcsReply, 'segments' | 'stuff'>, key: string): Targeting {
  const out: Targeting = {};
  const add = (k: string, values: string[]) => {
    const list = (out[k] ??= []);
    for (const v of values) if (v !== '' && !list.includes(v)) list.push(v);
  };
  if (reply.segments !== undefined && reply.segments.length > 0) add(key, reply.segments.map(String));
  for (const item of reply.stuff) addStuff(item, add);
  for (const k of Object.keys(out)) if (out[k]?.length === 0) delete out[k];
  return out;
}

function addStuff(item: StuffItem, add: (k: string, values: string[]) => void): void {
  if (item.cv.includes('=')) {
    for (const pair of item.cv.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) add(pair.slice(0, eq).trim(), pair.slice(eq + 1).split(','));
    }
  } else add(item.cn, item.cv.split(','));
}

/** One OpenRTB `Data` object (user.data[]). */
export interface OrtbData {
  name: string;
  ext?: { segtax: number };
  segment: { id: string }[];
}

/**
 * OpenRTB `user.data` entries for the visitor's segments: one entry without `ext` for segments
 * with no taxonomy, and one entry per IAB taxonomy (`ext.segtax`) for the segments mapped to one.
 * @param segtax segment id → IAB segment taxonomy id, for segments that carry one.
 */
export function userDataFromSegments(
  segments: readonly number[],
  name: string,
  segtax: Readonly<Record<string, number>> = {},
): OrtbData[] {
  const byTax = new Map<number, { id: string }[]>();
  for (const s of segments) {
    const tax = segtax[String(s)] ?? 0;
    const list = byTax.get(tax) ?? [];
    list.push({ id: String(s) });
    byTax.set(tax, list);
  }
  return [...byTax].map(([tax, segment]) =>
    tax === 0 ? { name, segment } : { name, ext: { segtax: tax }, segment },
  );
}

/**
 * `ortb2` with our `user.data` entries replacing any earlier ones of the same `name` (a later
 * event must not leave stale segments behind) and keeping everyone else's.
 */
export function mergeUserData(
  ortb2: Record<string, unknown> | undefined,
  name: string,
  entries: OrtbData[],
): Record<string, unknown> {
  const base = ortb2 ?? {};
  const user = (base['user'] ?? {}) as Record<string, unknown>;
  const data = Array.isArray(user['data']) ? (user['data'] as { name?: unknown }[]) : [];
  const kept = data.filter((d) => d.name !== name);
  return { ...base, user: { ...user, data: [...kept, ...entries] } };
}
