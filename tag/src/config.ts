/** The tag's configuration (`audex.init({...})`) and its defaults. */

/** A declared id (AAM §3.2): `d_cid=<dpid>%01<id>[%01<authState>]` or `d_cid_ic=<ic>%01…`. */
export interface DeclaredId {
  /** Data source id; or give `ic`. */
  dpid?: number;
  /** Data source integration code. */
  ic?: string;
  id: string;
  /** 0 unknown, 1 authenticated, 2 logged out. */
  authState?: number;
}

export interface TagConfig {
  /** DCS base URL. Default: the origin the tag was loaded from. */
  dcs: string;
  /** Key-values sent on every event (e.g. `{ c_section: 'sports' }`). Default none. */
  signals: Record<string, string | string[]>;
  /** Declared ids sent on every event. Default none. */
  ids: DeclaredId[];
  /** Longest a ready/GPT/Prebid helper waits for the reply before calling back, in ms. Default 100. */
  waitMs: number;
  /** Longest an event waits for the CMP's final answer, in ms. Default 10000 (as Prebid.js). */
  consentTimeoutMs: number;
  /** Ad-server key for segment ids. Default `audex`. */
  targetingKey: string;
  /** `name` of the OpenRTB `user.data` entry. Default: the DCS host. */
  dataName: string;
  /** Segment id → IAB segment taxonomy id (`user.data[].ext.segtax`), for segments that carry one. */
  segtax: Record<string, number>;
  /** Insert the destination-publishing iframe. Default true. */
  iframe: boolean;
  /** Admin token: adds `d_debug=1` (per-partner outcomes). Same-origin demo/testing only. */
  debugToken: string;
}

export function defaultConfig(dcs: string): TagConfig {
  return {
    dcs,
    signals: {},
    ids: [],
    waitMs: 100,
    consentTimeoutMs: 10_000,
    targetingKey: 'audex',
    dataName: new URL(dcs).host,
    segtax: {},
    iframe: true,
    debugToken: '',
  };
}
