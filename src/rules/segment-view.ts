/** Adapters between the profile model and the {@link TraitView} the segment evaluator reads. */
import type { TraitRealization } from '../profiles/profile.js';
import type { ListableTraitView, TraitView } from './index.js';

/**
 * A listable view over a profile's `traits` record (keys are trait ids as strings). Pass the
 * profile *with this event's realisations merged and before the expiry sweep* of the write
 * (docs/rules.md "Segment re-evaluation").
 */
export function profileTraitView(traits: Readonly<Record<string, TraitRealization>>): ListableTraitView {
  const view: TraitView = (sid) => traits[sid];
  return Object.assign(view, { sids: () => Object.keys(traits).map(Number) });
}

/** The `sids` lister of a view, when it has one. */
export function listerOf(view: TraitView): (() => Iterable<number>) | undefined {
  const sids = (view as Partial<ListableTraitView>).sids;
  return typeof sids === 'function' ? sids : undefined;
}
