/**
 * Every coded error Audex emits, in one place (STYLE.md §9). `docs/errors.md` lists the same codes;
 * `registry.test.ts` keeps the two in sync. Retired codes are never reused.
 *
 * - DCS wire errors keep AAM's numeric codes (reference/aam-dcs.md §2.8) and go in the `errors`
 *   array and the `X-Error` header of an `/event` reply.
 * - Admin and platform errors have string codes and an HTTP status.
 */

export interface DcsErrorDef {
  readonly code: number;
  readonly msg: string;
  /** `ignore-request`: nothing from the request is applied; `drop-item`: only the offending part is dropped. */
  readonly effect: 'ignore-request' | 'drop-item' | 'info';
}

export const DCS_ERRORS = {
  UNSPECIFIED: { code: 0, msg: 'Unspecified error', effect: 'info' },
  TRAITS_NOT_EVALUATED: { code: 10, msg: 'Unable to evaluate traits', effect: 'info' },
  BAD_UUID: { code: 102, msg: 'Invalid aam id passed in request', effect: 'drop-item' },
  ALL_CUSTOMER_IDS_INVALID: { code: 104, msg: 'All customer IDs are invalid', effect: 'drop-item' },
  OPTED_OUT: { code: 171, msg: 'Encountered opt out tag for id', effect: 'ignore-request' },
  PROFILE_READ_FAILED: { code: 200, msg: 'Cannot read traits from profile cache', effect: 'info' },
  INVALID_CUSTOMER_ID: { code: 300, msg: 'Invalid customer id', effect: 'drop-item' },
  TOO_MANY_CUSTOMER_IDS: { code: 301, msg: 'Maximum number of customer ids exceeded', effect: 'drop-item' },
  CUSTOMER_ID_DISCARDED: {
    code: 309,
    msg: 'Customer id was discarded because it exceeded the limit',
    effect: 'drop-item',
  },
  CUSTOMER_ID_NAMESPACE_LIMIT: {
    code: 310,
    msg: 'Customer id was discarded because it exceeded the limit for a given namespace',
    effect: 'drop-item',
  },
  INVALID_PARAMETERS: { code: 311, msg: 'Request contains invalid parameters', effect: 'ignore-request' },
  NO_CONSENT: { code: 315, msg: 'Consent string indicates no consent', effect: 'ignore-request' },
  // Audex extensions (AAM leaves these unspecified); 3xx range above AAM's last documented code.
  INVALID_SID: { code: 350, msg: 'Invalid trait id in d_sid', effect: 'drop-item' },
  UNKNOWN_SID: { code: 351, msg: 'Unknown or non-realisable trait id in d_sid', effect: 'drop-item' },
  UNKNOWN_D_KEY: { code: 352, msg: 'Unknown d_ key ignored', effect: 'drop-item' },
  INVALID_KEY: { code: 353, msg: 'Invalid key name ignored', effect: 'drop-item' },
  SIGNAL_LIMIT: { code: 354, msg: 'Too many keys or values; extras ignored', effect: 'drop-item' },
  INVALID_CALLBACK: { code: 355, msg: 'Invalid d_cb callback name', effect: 'drop-item' },
  INVALID_DATA_SOURCE: { code: 356, msg: 'Unknown data source in d_tdpid / d_tdpid_ic', effect: 'drop-item' },
  PROFILE_WRITE_FAILED: { code: 357, msg: 'Profile write failed; nothing was stored', effect: 'info' },
  BAD_COOKIE: { code: 358, msg: 'Malformed visitor cookie replaced', effect: 'drop-item' },
} as const satisfies Record<string, DcsErrorDef>;

export type DcsErrorName = keyof typeof DCS_ERRORS;

/** Platform / admin API errors: string code, HTTP status, message. */
export interface AppErrorDef {
  readonly status: number;
  readonly message: string;
}

export const APP_ERRORS = {
  AUDEX_CONFIG_INVALID: { status: 500, message: 'Configuration is invalid' },
  AUDEX_BAD_REQUEST: { status: 400, message: 'Bad request' },
  AUDEX_VALIDATION: { status: 400, message: 'Request body or parameters failed validation' },
  AUDEX_RULE_INVALID: { status: 400, message: 'Rule does not parse or validate' },
  AUDEX_UNAUTHORIZED: { status: 401, message: 'Missing or unknown bearer token' },
  AUDEX_FORBIDDEN: { status: 403, message: 'Token role may not do this' },
  AUDEX_NOT_FOUND: { status: 404, message: 'No such resource' },
  AUDEX_CONFLICT: { status: 409, message: 'Conflicts with an existing resource' },
  AUDEX_IN_USE: { status: 409, message: 'Resource is referenced by another resource' },
  AUDEX_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body or URL too large' },
  AUDEX_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  AUDEX_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  AUDEX_INTERNAL: { status: 500, message: 'Internal error' },
  AUDEX_STORAGE_UNAVAILABLE: { status: 503, message: 'Storage unavailable' },
} as const satisfies Record<string, AppErrorDef>;

export type AppErrorCode = keyof typeof APP_ERRORS;

/** An error with a registered code. Thrown only for unexpected or admin-side conditions. */
export class AudexError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: AppErrorCode, message?: string, details?: unknown) {
    super(message ?? APP_ERRORS[code].message);
    this.name = 'AudexError';
    this.code = code;
    this.status = APP_ERRORS[code].status;
    this.details = details;
  }
}

/** A DCS wire error entry as sent in the reply. */
export interface WireError {
  code: number;
  msg: string;
}

export function wireError(name: DcsErrorName, detail?: string): WireError {
  const def = DCS_ERRORS[name];
  return { code: def.code, msg: detail === undefined ? def.msg : `${def.msg}: ${detail}` };
}
