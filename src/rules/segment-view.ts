/** Adapters between the profile model and the {@link TraitView} the segment evaluator reads. */
import type { TraitRealization } from '../profiles/profile.js';
import type { ListableTraitView, TraitView } from './index.js';

/** Calls `fn` with every trait the visitor holds and its realisation. */
export type TraitVisitor = (fn: (sid: number, r: TraitRealization) => void) => void;

/**
 * A listable view that can also visit its realisations in one pass and rule out expiries cheaply
 * (what {@link mapTraitView} returns). Optional: the evaluator falls
 * back to `sids()` plus lookups, then to probing.
 */
export type EnumerableTraitView = ListableTraitView & {
  readonly forEachTrait: TraitVisitor;
  /**
   * Whether some realisation has `expires` in `(after, upTo]`. A same-day event needs nothing
   * else from the visitor's traits, so when this is false it skips the walk that maps
   * realisations back to segments.
   */
  readonly expiresWithin: (after: number, upTo: number) => boolean;
};

/** Facts about the visitor's realisations that a profile model may keep, so a view need not derive them. */
export interface TraitViewHints {
  /**
   * Earliest `expires` among the realisations that is later than the profile's last evaluation
   * (`seen`), or `0` when none is. With it, {@link EnumerableTraitView.expiresWithin} is one
   * comparison instead of a pass over every realisation. Kept by `applyDelta` as `Profile.nextExpiry`
   * (docs/rules.md "Performance"); omit it and the view walks the Map.
   */
  nextExpiry?: number;
}

/**
 * An enumerable view over a `Map` of the visitor's realisations. Enumerating a Map is far cheaper
 * than enumerating an integer-keyed record, the profile's earlier form (~0.6 µs vs ~22 µs for 200 traits,
 * docs/rules.md "Performance"). The profile keeps its traits in a Map.
 */
export function mapTraitView(
  traits: ReadonlyMap<number, TraitRealization>,
  hints: TraitViewHints = {},
): EnumerableTraitView {
  const view: TraitView = (sid) => traits.get(sid);
  const nextExpiry = hints.nextExpiry;
  return Object.assign(view, {
    sids: () => traits.keys(),
    forEachTrait: (fn: (sid: number, r: TraitRealization) => void) => {
      for (const [sid, r] of traits) fn(sid, r);
    },
    expiresWithin:
      nextExpiry === undefined
        ? (after: number, upTo: number): boolean => {
            for (const r of traits.values())
              if (r.expires !== 0 && r.expires > after && r.expires <= upTo) return true;
            return false;
          }
        : (_after: number, upTo: number): boolean => nextExpiry !== 0 && nextExpiry <= upTo,
  });
}

/** `expiresWithin` of a view, when it has it. */
export function expiresWithinOf(view: TraitView): ((after: number, upTo: number) => boolean) | undefined {
  const check = (view as Partial<EnumerableTraitView>).expiresWithin;
  return typeof check === 'function' ? check : undefined;
}

/** A one-pass visitor over the view's traits, from `forEachTrait`, `sids()` or probing `fallback`. */
export function visitorOf(view: TraitView, fallback: readonly number[]): TraitVisitor {
  const each = (view as Partial<EnumerableTraitView>).forEachTrait;
  if (typeof each === 'function') return each;
  const sids = (view as Partial<ListableTraitView>).sids;
  const list = typeof sids === 'function' ? sids : () => fallback;
  return (fn) => {
    for (const sid of list()) {
      const r = view(sid);
      if (r !== undefined) fn(sid, r);
    }
  };
}

/**
 * The segments a profile's `segments` Map holds, as the `current` set of
 * {@link SegmentEvaluator.qualify}: the Map's own keys, no copy.
 */
export function mapSegmentSet(segments: ReadonlyMap<number, number>): ReadonlySet<number> {
  return new MapKeySet(segments);
}

class MapKeySet implements ReadonlySet<number> {
  constructor(private readonly map: ReadonlyMap<number, number>) {}

  has(id: number): boolean {
    return this.map.has(id);
  }

  get size(): number {
    return this.map.size;
  }

  forEach(fn: (value: number, key: number, set: ReadonlySet<number>) => void): void {
    for (const id of this.map.keys()) fn(id, id, this);
  }

  [Symbol.iterator](): SetIterator<number> {
    return this.map.keys();
  }

  keys(): SetIterator<number> {
    return this.map.keys();
  }

  values(): SetIterator<number> {
    return this.map.keys();
  }

  *entries(): SetIterator<[number, number]> {
    for (const id of this.map.keys()) yield [id, id];
  }
}
