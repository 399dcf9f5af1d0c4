/**
 * AAM key-value parsing for `/event` (reference/aam-dcs.md §2.2–§2.6). One pass over the raw
 * query string or form body; nothing here throws on input: problems become coded wire errors.
 *
 * Choices (documented in docs/dcs-api.md):
 * - `,` separates serialised values and is split *before* percent-decoding, so `%2C` stays a
 *   literal comma inside a value; a value wrapped in double quotes is one value (quotes removed).
 * - A malformed percent escape anywhere sets `fatal` (311): the whole request is ignored.
 * - Invalid key names and unknown `d_` keys are dropped with 353 / 352; the rest is processed.
 */
import { wireError } from '../errors/registry.js';
import type { AuthState, EventParams } from './event-params.js';
import { Utf16Scratch } from '../text/utf16.js';

export interface SignalLimits {
  maxKeys: number;
  maxValuesPerKey: number;
  maxValueLength: number;
}

/** AAM key-name rule (§5.4): letters, digits, `_`, `-`, at least one letter; `.` allowed (CDF keys). */
const KEY_RE = /^[A-Za-z0-9_-]*[A-Za-z][A-Za-z0-9_.-]*$/;
/** JSONP callback: dotted JS identifiers with optional `[n]` index (VisitorAPI uses `s_c_il[1]._set…`). */
const CALLBACK_RE = /^[A-Za-z_$][\w$]*(?:\[\d{1,6}\])?(?:\.[A-Za-z_$][\w$]*(?:\[\d{1,6}\])?){0,8}$/;
const UUID_RE = /^\d{38}$/;
const MAX_DECLARED_IDS = 10;
const MAX_IDS_PER_DPID = 3;

/**
 * `d_` keys that are platform signals or client bookkeeping (DIL, VisitorAPI, media pixels):
 * accepted as ordinary signals so rules can use them. Any other unknown `d_` key gets 352.
 */
const D_SIGNAL_KEYS = [
  'd_mid',
  'd_orgid',
  'd_ver',
  'd_dil_ver',
  'd_visid_ver',
  'd_ld',
  'd_px',
  'd_coop_safe',
  'd_coop_unsafe',
  'd_ptfm',
  'd_coppa',
  'd_caller',
  'd_fieldgroup',
  'd_blob',
  'd_verify',
  'd_cf',
  'd_event',
  'd_src',
  'd_site',
  'd_creative',
  'd_adgroup',
  'd_placement',
  'd_campaign',
  'd_adsrc',
  'd_bu',
  'd_bust',
  'd_rd',
  'd_region',
  'd_zx',
  'd_dst_filter',
  'd_rs',
  'd_country',
  'd_city',
  'd_state',
  'd_dma_code',
  'd_postal_code',
  'd_area_code',
  'd_lat',
  'd_long',
  'd_isp',
];

/** Unprefixed keys that are not signals: cache busters and legacy id keys handled elsewhere. */
const IGNORED_KEYS = ['_ts', 'ts'];

/** What a key is, looked up once per pair; a key not listed is a signal (or 352 if it starts `d_`). */
const enum Kind {
  /** A `d_` control key with its own meaning (`applyControl`). */
  Control,
  /** A `d_` platform signal accepted as an ordinary signal. */
  DSignal,
  Consent,
  Ignored,
  LegacyDpid,
  LegacyDpuuid,
}

const KINDS = new Map<string, Kind>([
  ...[
    'd_rtbd',
    'd_cb',
    'd_dst',
    'd_jsonv',
    'd_cts',
    'd_debug',
    'd_nsid',
    'd_sid',
    'd_tdpid',
    'd_tdpid_ic',
    'd_uuid',
    'd_cid',
    'd_cid_ic',
  ].map((k): [string, Kind] => [k, Kind.Control]),
  ...D_SIGNAL_KEYS.map((k): [string, Kind] => [k, Kind.DSignal]),
  ...['gdpr', 'gdpr_consent', 'gpp', 'us_privacy', 'gpp_sid'].map((k): [string, Kind] => [k, Kind.Consent]),
  ...IGNORED_KEYS.map((k): [string, Kind] => [k, Kind.Ignored]),
  ['d_dpid', Kind.LegacyDpid],
  ['dpid', Kind.LegacyDpid],
  ['d_dpuuid', Kind.LegacyDpuuid],
  ['dpuuid', Kind.LegacyDpuuid],
]);

const AMP = 38;
const EQ = 61;
const PERCENT = 37;
const PLUS = 43;
const COMMA = 44;
const QUOTE = 34;

/**
 * Parses `raw` (a query string without `?`, or a form body) into `params`. Call once per source;
 * GET query and POST body of one request accumulate into the same params.
 *
 * One scan of character codes finds each pair's key and value and notes what they hold (an escape,
 * a `+`, a comma; for the key, whether it is a valid key name), so a plain pair — nearly every pair
 * a tag sends — is cut from `raw` without decoding, splitting or a regex. A key with an escape is
 * decoded and checked against `KEY_RE`, as the AAM rule reads.
 */
export function parseEventParams(raw: string, limits: SignalLimits, params: EventParams): void {
  if (raw === '') return;
  let legacyDpid: string | undefined;
  let legacyDpuuid: string | undefined;
  const n = raw.length;
  const codes = scratch.codes(raw);
  let i = 0;
  while (i < n && params.fatal === undefined) {
    const ks = i;
    let keyEscaped = false;
    let keyBad = false;
    let keyLetter = false;
    let c = 0;
    for (; i < n; i++) {
      c = codes[i] as number;
      if (c === AMP || c === EQ) break;
      const lower = c | 0x20;
      if (lower >= 97 && lower <= 122) keyLetter = true;
      else if ((c >= 48 && c <= 57) || c === 95 || c === 45) continue;
      else if (c === 46) keyBad ||= !keyLetter;
      else if (c === PERCENT || c === PLUS) keyEscaped = true;
      else keyBad = true;
    }
    const ke = i;
    let vs = i;
    let valueEscaped = false;
    let comma = false;
    if (c === EQ && i < n) {
      vs = ++i;
      for (; i < n; i++) {
        c = codes[i] as number;
        if (c === AMP) break;
        if (c === PERCENT || c === PLUS) valueEscaped = true;
        else if (c === COMMA) comma = true;
      }
    }
    const ve = i;
    i++;
    if (ve === ks) continue; // an empty pair (`&&`)
    const key = keyEscaped ? decode(raw.slice(ks, ke)) : raw.slice(ks, ke);
    if (key === undefined) {
      params.fatal = wireError('INVALID_PARAMETERS', 'malformed percent-encoding in a key');
      break;
    }
    const value = pairValue;
    value.raw = raw;
    value.start = vs;
    value.end = ve;
    value.escaped = valueEscaped;
    value.comma = comma;
    const kind = KINDS.get(key);
    if (kind === undefined) {
      if (key.startsWith('d_')) {
        if (decodes(value, params)) params.errors.push(wireError('UNKNOWN_D_KEY', key.slice(0, 64)));
      } else if (keyEscaped ? !KEY_RE.test(key) : keyBad || !keyLetter) {
        params.errors.push(wireError('INVALID_KEY', key.slice(0, 64)));
      } else addValues(key, value, limits, params);
      continue;
    }
    switch (kind) {
      case Kind.Control:
        applyControl(key, value, params);
        break;
      case Kind.DSignal:
        if (decodes(value, params)) addValues(key, value, limits, params);
        break;
      case Kind.Consent:
        applyConsent(key, value, params);
        break;
      case Kind.LegacyDpid:
        legacyDpid = decodeOrFail(value, params);
        break;
      case Kind.LegacyDpuuid:
        legacyDpuuid = decodeOrFail(value, params);
        break;
      case Kind.Ignored:
        break;
    }
  }
  if (params.fatal !== undefined) return salvageReplyFormat(raw, params);
  if (legacyDpid !== undefined || legacyDpuuid !== undefined) {
    addDeclared(params, legacyDpid ?? '', legacyDpuuid ?? '', undefined, 'd_dpid/d_dpuuid');
  }
}

/** The query's code units, for the scan (parsing is synchronous, so one scratch area serves). */
const scratch = new Utf16Scratch();

/** A pair's value: `raw[start, end)`, still encoded, and whether it holds an escape or a comma. */
interface Value {
  raw: string;
  start: number;
  end: number;
  escaped: boolean;
  comma: boolean;
}

/**
 * The pair being read. One object reused for every pair (parsing is synchronous and nothing keeps
 * a `Value`): an object per pair was ≈ 20 allocations an event for the young-generation GC.
 */
const pairValue: Value = { raw: '', start: 0, end: 0, escaped: false, comma: false };

/**
 * After a 311 nothing of the request is applied, but the caller still gets the error in the format
 * it asked for: `d_rtbd` and a valid `d_cb` are read from the raw text without decoding.
 */
function salvageReplyFormat(raw: string, params: EventParams): void {
  for (const pair of raw.split('&')) {
    if (pair === 'd_rtbd=json') params.rtbd = true;
    else if (pair.startsWith('d_cb=') && CALLBACK_RE.test(pair.slice(5))) params.callback = pair.slice(5);
  }
}

function applyConsent(key: string, raw: Value, params: EventParams): void {
  const v = decodeOrFail(raw, params);
  if (v === undefined) return;
  switch (key) {
    case 'gdpr':
      if (v === '0' || v === '1') params.consent.gdpr = v === '1' ? 1 : 0;
      return;
    case 'gpp_sid':
      params.consent.gppSid = v.split(',').map(Number).filter(Number.isInteger);
      return;
  }
  if (v === '' || v.length > 8192) return;
  if (key === 'gdpr_consent') params.consent.gdprConsent = v;
  else if (key === 'gpp') params.consent.gpp = v;
  else params.consent.usPrivacy = v;
}

function applyControl(key: string, raw: Value, params: EventParams): void {
  const value = decodeOrFail(raw, params);
  if (value === undefined) return;
  switch (key) {
    case 'd_rtbd':
      params.rtbd = value === 'json';
      return;
    case 'd_cb':
      if (CALLBACK_RE.test(value) && value.length <= 128) params.callback = value;
      else params.errors.push(wireError('INVALID_CALLBACK'));
      return;
    case 'd_dst':
      params.dst = value === '1';
      return;
    case 'd_jsonv':
      params.jsonv = value === '0' ? 0 : 1;
      return;
    case 'd_cts':
      params.cts = value === '1' ? 1 : value === '2' ? 2 : 0;
      return;
    case 'd_debug':
      params.debug = value === '1';
      return;
    case 'd_nsid':
      params.nsid = value;
      return;
    case 'd_sid':
      for (let from = 0; from <= value.length;) {
        let end = value.indexOf(',', from);
        if (end === -1) end = value.length;
        if (end > from) {
          const sid = digits(value, from, end);
          if (sid >= 0) params.sids.push(sid);
          else params.errors.push(wireError('INVALID_SID', value.slice(from, end).slice(0, 32)));
        }
        from = end + 1;
      }
      return;
    case 'd_tdpid': {
      const dpid = digits(value, 0, value.length);
      if (dpid >= 0) params.tdpid = dpid;
      else params.errors.push(wireError('INVALID_DATA_SOURCE', value.slice(0, 32)));
      return;
    }
    case 'd_tdpid_ic':
      params.tdpidIc = value;
      return;
    case 'd_uuid':
      if (UUID_RE.test(value)) params.uuid = value;
      else params.errors.push(wireError('BAD_UUID'));
      return;
    case 'd_cid':
    case 'd_cid_ic': {
      const [first = '', id = '', auth] = value.split('\u0001');
      addDeclared(
        params,
        key === 'd_cid' ? first : '',
        id,
        key === 'd_cid_ic' ? first : undefined,
        key,
        auth,
      );
      return;
    }
  }
}

/** `s[from, to)` as a number when it is 1 to 15 decimal digits (`/^\d{1,15}$/`), else -1. */
function digits(s: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function addDeclared(
  params: EventParams,
  dpidText: string,
  id: string,
  ic: string | undefined,
  source: string,
  auth?: string,
): void {
  const authState: AuthState = auth === '1' ? 1 : auth === '2' ? 2 : 0;
  // AAM §2.6: DPUUIDs must not contain ':'; ids are case-sensitive and non-empty.
  const idOk = id !== '' && id.length <= 256 && !id.includes(':');
  if (ic !== undefined) {
    if (ic === '' || !idOk) return void params.errors.push(wireError('INVALID_CUSTOMER_ID', source));
  } else if (!/^\d{1,15}$/.test(dpidText) || !idOk) {
    return void params.errors.push(wireError('INVALID_CUSTOMER_ID', source));
  }
  if (params.declared.length >= MAX_DECLARED_IDS) {
    if (!params.errors.some((e) => e.code === 301)) params.errors.push(wireError('TOO_MANY_CUSTOMER_IDS'));
    params.errors.push(wireError('CUSTOMER_ID_DISCARDED', id.slice(0, 64)));
    return;
  }
  const dpid = ic === undefined ? Number(dpidText) : undefined;
  const sameNamespace = params.declared.filter((d) => (ic === undefined ? d.dpid === dpid : d.ic === ic));
  if (sameNamespace.length >= MAX_IDS_PER_DPID) {
    params.errors.push(wireError('CUSTOMER_ID_NAMESPACE_LIMIT', id.slice(0, 64)));
    return;
  }
  params.declared.push(ic === undefined ? { dpid: dpid as number, id, authState } : { ic, id, authState });
}

function addValues(key: string, value: Value, limits: SignalLimits, params: EventParams): void {
  const signals = params.signals;
  // A new key's list is made with its first value (`pushValue`): `[]` then `push` reserves 17 slots.
  let values = signals.get(key);
  if (values === undefined && signals.size >= limits.maxKeys) return limitHit(params);
  const { raw, start, end } = value;
  // A double-quoted value is one value (AAM §2.6: `age="41 to 55"`); otherwise split serialised values.
  const length = end - start;
  const quoted = length >= 2 && raw.charCodeAt(start) === QUOTE && raw.charCodeAt(end - 1) === QUOTE;
  if (quoted) pushValue(key, values, raw, start + 1, end - 1, value.escaped, limits, params);
  else if (value.escaped && length >= 6 && raw.startsWith('%22', start) && raw.endsWith('%22', end))
    pushValue(key, values, raw, start + 3, end - 3, true, limits, params);
  else if (!value.comma) pushValue(key, values, raw, start, end, value.escaped, limits, params);
  else {
    for (let from = start; from <= end;) {
      let comma = raw.indexOf(',', from);
      if (comma === -1 || comma > end) comma = end;
      if (comma > from) values = pushValue(key, values, raw, from, comma, value.escaped, limits, params);
      if (params.fatal !== undefined) return;
      from = comma + 1;
    }
  }
}

/** Adds one value to `key`'s list, making the list with it if there is none; returns the list. */
function pushValue(
  key: string,
  values: string[] | undefined,
  raw: string,
  from: number,
  to: number,
  escaped: boolean,
  limits: SignalLimits,
  params: EventParams,
): string[] | undefined {
  if (to <= from) return values;
  const value = decodeRange(raw, from, to, escaped, params);
  if (value === undefined || value === '') return values;
  if (values === undefined) {
    if (value.length > limits.maxValueLength) return void limitHit(params);
    values = [value];
    params.signals.set(key, values);
    return values;
  }
  if (values.length >= limits.maxValuesPerKey || value.length > limits.maxValueLength) {
    limitHit(params);
    return values;
  }
  values.push(value);
  return values;
}

function limitHit(params: EventParams): void {
  if (!params.errors.some((e) => e.code === 354)) params.errors.push(wireError('SIGNAL_LIMIT'));
}

function decodeOrFail(value: Value, params: EventParams): string | undefined {
  return decodeRange(value.raw, value.start, value.end, value.escaped, params);
}

/** Whether the whole value decodes (311 set if not); a value without escapes does, uncut. */
function decodes(value: Value, params: EventParams): boolean {
  return !value.escaped || decodeOrFail(value, params) !== undefined;
}

/** `raw[from, to)` decoded (cut as is when it holds no escape); undefined and 311 on a malformed escape. */
function decodeRange(
  raw: string,
  from: number,
  to: number,
  escaped: boolean,
  params: EventParams,
): string | undefined {
  const text = raw.slice(from, to);
  if (!escaped) return text;
  const v = decode(text);
  if (v === undefined) params.fatal = wireError('INVALID_PARAMETERS', 'malformed percent-encoding');
  return v;
}

/** Form decoding (`+` is a space); undefined on a malformed escape. Fast path when nothing to decode. */
export function decode(raw: string): string | undefined {
  const hasPlus = raw.includes('+');
  if (!hasPlus && !raw.includes('%')) return raw;
  try {
    return decodeURIComponent(hasPlus ? raw.replaceAll('+', ' ') : raw);
  } catch {
    return undefined;
  }
}
