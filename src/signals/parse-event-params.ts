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
const D_SIGNAL_KEYS = new Set([
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
]);

/** Unprefixed keys that are not signals: cache busters and legacy id keys handled elsewhere. */
const IGNORED_KEYS = new Set(['_ts', 'ts']);

/**
 * Parses `raw` (a query string without `?`, or a form body) into `params`. Call once per source;
 * GET query and POST body of one request accumulate into the same params.
 */
export function parseEventParams(raw: string, limits: SignalLimits, params: EventParams): void {
  if (raw === '') return;
  let legacyDpid: string | undefined;
  let legacyDpuuid: string | undefined;
  let start = 0;
  while (start <= raw.length && params.fatal === undefined) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      const pair = raw.slice(start, end);
      const eq = pair.indexOf('=');
      const key = decode(eq === -1 ? pair : pair.slice(0, eq));
      const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
      if (key === undefined) {
        params.fatal = wireError('INVALID_PARAMETERS', 'malformed percent-encoding in a key');
        break;
      }
      if (key === 'd_dpid' || key === 'dpid') legacyDpid = decodeOrFail(rawValue, params);
      else if (key === 'd_dpuuid' || key === 'dpuuid') legacyDpuuid = decodeOrFail(rawValue, params);
      else applyPair(key, rawValue, limits, params);
    }
    start = end + 1;
  }
  if (params.fatal !== undefined) return salvageReplyFormat(raw, params);
  if (legacyDpid !== undefined || legacyDpuuid !== undefined) {
    addDeclared(params, legacyDpid ?? '', legacyDpuuid ?? '', undefined, 'd_dpid/d_dpuuid');
  }
}

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

function applyPair(key: string, rawValue: string, limits: SignalLimits, params: EventParams): void {
  if (key.startsWith('d_')) return applyControl(key, rawValue, limits, params);
  switch (key) {
    case 'gdpr': {
      const v = decodeOrFail(rawValue, params);
      if (v === '0' || v === '1') params.consent.gdpr = v === '1' ? 1 : 0;
      return;
    }
    case 'gdpr_consent':
      return setConsent(params, 'gdprConsent', rawValue);
    case 'gpp':
      return setConsent(params, 'gpp', rawValue);
    case 'us_privacy':
      return setConsent(params, 'usPrivacy', rawValue);
    case 'gpp_sid': {
      const v = decodeOrFail(rawValue, params);
      if (v !== undefined) params.consent.gppSid = v.split(',').map(Number).filter(Number.isInteger);
      return;
    }
  }
  if (IGNORED_KEYS.has(key)) return;
  if (!KEY_RE.test(key)) {
    params.errors.push(wireError('INVALID_KEY', key.slice(0, 64)));
    return;
  }
  addValues(key, rawValue, limits, params);
}

function applyControl(key: string, rawValue: string, limits: SignalLimits, params: EventParams): void {
  const value = decodeOrFail(rawValue, params);
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
      for (const part of value.split(',')) {
        if (part === '') continue;
        if (/^\d{1,15}$/.test(part)) params.sids.push(Number(part));
        else params.errors.push(wireError('INVALID_SID', part.slice(0, 32)));
      }
      return;
    case 'd_tdpid':
      if (/^\d{1,15}$/.test(value)) params.tdpid = Number(value);
      else params.errors.push(wireError('INVALID_DATA_SOURCE', value.slice(0, 32)));
      return;
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
  if (D_SIGNAL_KEYS.has(key)) addValues(key, rawValue, limits, params);
  else params.errors.push(wireError('UNKNOWN_D_KEY', key.slice(0, 64)));
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

function addValues(key: string, rawValue: string, limits: SignalLimits, params: EventParams): void {
  const signals = params.signals;
  let values = signals.get(key);
  if (values === undefined) {
    if (signals.size >= limits.maxKeys) return limitHit(params);
    values = [];
    signals.set(key, values);
  }
  // A double-quoted value is one value (AAM §2.6: `age="41 to 55"`); otherwise split serialised values.
  const quoted = rawValue.length >= 2 && rawValue.startsWith('"') && rawValue.endsWith('"');
  const quotedEnc = rawValue.length >= 6 && rawValue.startsWith('%22') && rawValue.endsWith('%22');
  if (quoted || quotedEnc) {
    const inner = quoted ? rawValue.slice(1, -1) : rawValue.slice(3, -3);
    return pushValue(values, inner, limits, params);
  }
  let from = 0;
  while (from <= rawValue.length) {
    let comma = rawValue.indexOf(',', from);
    if (comma === -1) comma = rawValue.length;
    if (comma > from) pushValue(values, rawValue.slice(from, comma), limits, params);
    if (params.fatal !== undefined) return;
    from = comma + 1;
  }
  if (values.length === 0) signals.delete(key);
}

function pushValue(values: string[], raw: string, limits: SignalLimits, params: EventParams): void {
  const value = decodeOrFail(raw, params);
  if (value === undefined || value === '') return;
  if (values.length >= limits.maxValuesPerKey || value.length > limits.maxValueLength)
    return limitHit(params);
  values.push(value);
}

function limitHit(params: EventParams): void {
  if (!params.errors.some((e) => e.code === 354)) params.errors.push(wireError('SIGNAL_LIMIT'));
}

function setConsent(params: EventParams, field: 'gdprConsent' | 'gpp' | 'usPrivacy', raw: string): void {
  const v = decodeOrFail(raw, params);
  if (v !== undefined && v !== '' && v.length <= 8192) params.consent[field] = v;
}

function decodeOrFail(raw: string, params: EventParams): string | undefined {
  const v = decode(raw);
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
