/**
 * realize-traits: `d_sid` trait ids (AAM §5.5 #2) and rule-based traits whose rules hold for the
 * call's signals (#1), through the compiled index; `d_tdpid`/`d_tdpid_ic` restrict rule evaluation
 * to one data source. On failure: unknown or folder trait ids in `d_sid` are dropped with 351.
 */
import { wireError } from '../../errors/registry.js';
import type { Trait } from '../../catalog/model.js';
import type { EventContext } from '../event-context.js';
import type { Stage } from '../stage.js';

export const realizeTraitsStage: Stage = {
  name: 'realize-traits',
  run(ctx) {
    const traits = ctx.snapshot.traits;
    for (const sid of ctx.params.sids) {
      const trait = traits.get(sid);
      // AAM §5.6: folder traits cannot be realised by d_sid.
      if (trait === undefined || trait.traitType === 'FOLDER_TRAIT') {
        ctx.errors.push(wireError('UNKNOWN_SID', String(sid)));
        continue;
      }
      realize(ctx, trait);
    }
    const onlyDataSource = dataSourceFilter(ctx);
    if (onlyDataSource === null) return 'next';
    for (const sid of ctx.snapshot.matcher.match(ctx.params.signals, onlyDataSource)) {
      const trait = traits.get(sid);
      if (trait !== undefined) realize(ctx, trait);
    }
    return 'next';
  },
};

/** undefined = all data sources; null = the filter names an unknown data source (nothing evaluated). */
function dataSourceFilter(ctx: EventContext): number | undefined | null {
  const { tdpid, tdpidIc } = ctx.params;
  if (tdpidIc !== undefined) {
    const ds = ctx.snapshot.dataSourcesByCode.get(tdpidIc);
    if (ds === undefined) {
      ctx.errors.push(wireError('INVALID_DATA_SOURCE', tdpidIc.slice(0, 64)));
      return null;
    }
    return ds.dataSourceId;
  }
  if (tdpid !== undefined && !ctx.snapshot.dataSources.has(tdpid)) {
    ctx.errors.push(wireError('INVALID_DATA_SOURCE', String(tdpid)));
    return null;
  }
  return tdpid;
}

/** Records one realisation (once per trait per event). */
export function realize(ctx: EventContext, trait: Trait): void {
  if (ctx.realized.has(trait.sid)) return;
  ctx.realized.add(trait.sid);
  ctx.realizations.push(
    trait.traitType === 'ON_BOARDED_TRAIT'
      ? { traitId: trait.sid, ttlDays: trait.ttl, countOnce: true }
      : { traitId: trait.sid, ttlDays: trait.ttl },
  );
}
