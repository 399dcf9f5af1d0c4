/**
 * The admin API's one error path: every failure leaves as `{ error: { code, message, details? } }`
 * with a code from `APP_ERRORS` (src/errors/registry.ts), and its own schema validator so a bad
 * request lists every failing field instead of the first one.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { APP_ERRORS, AudexError, type AppErrorCode } from '../errors/registry.js';
import type { RuleError } from '../rules/index.js';
import type { JsonSchema } from './schemas.js';

/** One failing input field: where it was (`body`, `querystring`, `params`) and what is wrong. */
export interface FieldError {
  in: string;
  field: string;
  message: string;
}

/** The error body every admin route answers with on failure. */
export interface ErrorBody {
  error: { code: AppErrorCode; message: string; details?: unknown };
}

/** A 400 `AUDEX_VALIDATION` naming one body field (referential checks, id mismatches). */
export function invalidField(field: string, message: string): AudexError {
  const fields: FieldError[] = [{ in: 'body', field, message }];
  return new AudexError('AUDEX_VALIDATION', `${field}: ${message}`, { fields });
}

/** A 400 `AUDEX_RULE_INVALID`; `details` carries the validator's `{ message, position, expected }`. */
export function ruleInvalid(field: string, err: RuleError): AudexError {
  const details = { field, message: err.message, position: err.position, expected: err.expected ?? [] };
  return new AudexError('AUDEX_RULE_INVALID', `${field}: ${err.message} (at ${err.position})`, details);
}

const ajvBase = { allErrors: true, removeAdditional: false, useDefaults: false, strict: true } as const;
const strictAjv = new Ajv({ ...ajvBase, coerceTypes: false });
const coercingAjv = new Ajv({ ...ajvBase, coerceTypes: true });
const compiled = new Map<string, ValidateFunction>();

/**
 * Validators for the admin routes. Fastify's default Ajv strips unknown properties silently
 * (`removeAdditional: true`) and stops at the first error; the API promises the opposite, so the
 * plugin brings its own. Params and querystrings arrive as text and are coerced; bodies are JSON
 * and are not (a string `"5"` for a number is an error, not a guess).
 */
export function adminValidatorCompiler(): FastifySchemaCompiler<JsonSchema> {
  return ({ schema, httpPart }) => {
    const coerce = httpPart !== 'body';
    // Many routes share a schema (id params, rule bodies) and every app instance has the same
    // ones: compile each distinct schema once per process.
    const key = `${coerce ? 'c' : 's'}${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = (coerce ? coercingAjv : strictAjv).compile(schema as Record<string, unknown>);
      compiled.set(key, validate);
    }
    return validate;
  };
}

function fieldOf(e: Pick<ErrorObject, 'instancePath' | 'params'>): string {
  const path = e.instancePath.split('/').filter((p) => p !== '');
  // `required` and `additionalProperties` report the parent object; name the property itself.
  const extra = e.params['missingProperty'] ?? e.params['additionalProperty'];
  if (typeof extra === 'string') path.push(extra);
  return path.join('.');
}

/** Every failing field of a schema validation error, in a stable shape for clients. */
export function validationFields(
  errors: readonly Pick<ErrorObject, 'instancePath' | 'params' | 'message' | 'keyword'>[],
  where: string,
): FieldError[] {
  return errors
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf')
    .map((e) => {
      const allowed = e.params['allowedValues'];
      const suffix = Array.isArray(allowed) ? `: ${allowed.join(', ')}` : '';
      const message =
        e.keyword === 'additionalProperties' ? 'unknown field' : `${e.message ?? 'invalid'}${suffix}`;
      return { in: where, field: fieldOf(e), message };
    });
}

function body(code: AppErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Maps fastify statuses that are not ours (parser, body limit, media type) onto registry codes. */
function codeForStatus(status: number): AppErrorCode {
  if (status === 413) return 'AUDEX_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'AUDEX_UNSUPPORTED_MEDIA_TYPE';
  if (status === 405) return 'AUDEX_METHOD_NOT_ALLOWED';
  if (status === 404) return 'AUDEX_NOT_FOUND';
  return status >= 400 && status < 500 ? 'AUDEX_BAD_REQUEST' : 'AUDEX_INTERNAL';
}

/** The plugin's error handler. */
export function adminErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): ErrorBody {
  if (error instanceof AudexError) {
    void reply.code(error.status);
    return body(error.code, error.message, error.details);
  }
  if (error.validation !== undefined) {
    const fields = validationFields(error.validation, error.validationContext ?? 'body');
    const summary = fields.map((f) => `${f.in}.${f.field}: ${f.message}`).join('; ');
    void reply.code(400);
    return body('AUDEX_VALIDATION', summary === '' ? APP_ERRORS.AUDEX_VALIDATION.message : summary, {
      fields,
    });
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  const code = codeForStatus(status);
  void reply.code(APP_ERRORS[code].status);
  if (code === 'AUDEX_INTERNAL') {
    request.log.error({ err: error }, 'admin API internal error');
    return body(code, APP_ERRORS.AUDEX_INTERNAL.message);
  }
  return body(code, error.message);
}

/** The plugin's 404 handler for URLs under the prefix that match no route. */
export function adminNotFound(request: FastifyRequest, reply: FastifyReply): ErrorBody {
  void reply.code(404);
  return body('AUDEX_NOT_FOUND', `No route ${request.method} ${request.url}`);
}
