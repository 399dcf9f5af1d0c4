/**
 * The `/event` JSON reply (AAM §2.7), shared with the site tag: no Node imports here.
 * Audex extensions are marked; AAM clients ignore unknown fields.
 */

/** A cookie destination payload: the page writes `cn=cv` for `ttl` days on `dmn`. */
export interface StuffItem {
  cn: string;
  cv: string;
  /** Days. */
  ttl: number;
  /** Cookie domain; empty = the page's own domain. */
  dmn: string;
}

/** A URL destination or ID-sync pixel the iframe fires. */
export interface DestItem {
  /** URL. */
  c: string;
  /** Destination id. */
  id: number;
  /** `img` or `iframe`. */
  y: 'img' | 'iframe';
}

export interface ReplyError {
  code: number;
  msg: string;
}

/** Per-stage and per-partner outcomes (Audex extension, only with `d_debug=1` and an admin token). */
export interface DebugBlock {
  stages: Record<string, number>;
  partners?: Record<string, { outcome: string; ms?: number; detail?: string }>;
}

export interface DcsReply {
  /** Visitor id (38 digits); absent when opted out (error 171 instead). */
  uuid?: string;
  dcs_region: number;
  tid: string;
  stuff: StuffItem[];
  dests: DestItem[];
  /** With `d_cts`: trait ids realised on this call. */
  traits?: number[];
  /** With `d_cts`: segment ids the visitor belongs to now. */
  segments?: number[];
  /**
   * Audex extension: pixels for the DCS iframe to fire — provider ID syncs (when the provider's id
   * is not yet known) and browser-side provider calls. Fired sequentially by the iframe.
   */
  ibs?: DestItem[];
  errors?: ReplyError[];
  debug?: DebugBlock;
}

/** Reserved query keys (shared so the tag never sends them as signals). */
export const CONTROL_KEYS = [
  'd_rtbd',
  'd_cb',
  'd_dst',
  'd_jsonv',
  'd_cts',
  'd_sid',
  'd_uuid',
  'd_cid',
  'd_cid_ic',
] as const;
