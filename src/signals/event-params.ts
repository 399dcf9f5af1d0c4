/**
 * The parsed form of one `/event` call: signals plus the `d_` control keys (reference/aam-dcs.md
 * §2.3–§2.6). Produced by {@link parseEventParams}; consumed by the pipeline stages.
 */
import type { WireError } from '../errors/registry.js';
import type { MutableSignalMap } from './signal-map.js';

/** AAM authState (§2.4): 0 unknown, 1 authenticated, 2 logged out. */
export type AuthState = 0 | 1 | 2;

/** A declared id from `d_cid`, `d_cid_ic` or legacy `d_dpid`+`d_dpuuid`. */
export interface DeclaredId {
  /** Data source id (`d_cid`, `d_dpid`), or undefined when named by integration code. */
  dpid?: number;
  /** Integration code (`d_cid_ic`), resolved to a dpid against the catalog. */
  ic?: string;
  id: string;
  authState: AuthState;
}

export interface ConsentParams {
  gdpr?: 0 | 1;
  gdprConsent?: string;
  gpp?: string;
  gppSid?: number[];
  usPrivacy?: string;
}

export interface EventParams {
  /** Signal keys (`c_`, `p_`, `h_`, unprefixed, platform `d_`). `p_` keys must never be stored. */
  signals: MutableSignalMap;
  /** `d_rtbd=json`: a JSON reply is wanted. */
  rtbd: boolean;
  /** `d_cb`: JSONP callback name (validated). */
  callback?: string | undefined;
  /** `d_dst=1`: include URL destinations. */
  dst: boolean;
  /** `d_jsonv` (1 default; 0 disables ID syncs in the reply). */
  jsonv: number;
  /** `d_cts`: 0 none, 1 legacy ids, 2 segment ids — both add `traits`/`segments`. */
  cts: 0 | 1 | 2;
  /** `d_sid`: trait ids to realise directly. */
  sids: number[];
  /** `d_tdpid`: evaluate only traits of this data source. */
  tdpid?: number | undefined;
  /** `d_tdpid_ic`: the same, by integration code. */
  tdpidIc?: string | undefined;
  /** `d_uuid`: visitor id for server-to-server calls (validated: 38 digits). */
  uuid?: string | undefined;
  declared: DeclaredId[];
  /** `d_nsid`: container namespace (ID sync). */
  nsid?: string | undefined;
  consent: ConsentParams;
  /** `d_debug=1`: per-stage and per-partner outcomes in the reply (admin token only). */
  debug: boolean;
  /** Non-fatal coded errors collected while parsing. */
  errors: WireError[];
  /** Set when the whole request must be ignored (error 311). */
  fatal?: WireError | undefined;
}

/**
 * Every field is present from the start, the optional ones as `undefined`, so each event's params
 * keep one hidden class while parsing fills them (a field added later would change it per request).
 */
export function emptyEventParams(): EventParams {
  return {
    signals: new Map(),
    rtbd: false,
    callback: undefined,
    dst: false,
    jsonv: 1,
    cts: 0,
    sids: [],
    tdpid: undefined,
    tdpidIc: undefined,
    uuid: undefined,
    declared: [],
    nsid: undefined,
    consent: {},
    debug: false,
    errors: [],
    fatal: undefined,
  };
}
