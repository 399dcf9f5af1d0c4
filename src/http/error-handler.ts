/**
 * Transport-level errors for public routes: one JSON shape `{ error: { code, message } }` with the
 * codes of `APP_ERRORS` (fastify's own codes for size and media type are mapped to ours).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { APP_ERRORS, AudexError, type AppErrorCode } from '../errors/registry.js';

const FASTIFY_CODES: Readonly<Record<string, AppErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'AUDEX_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'AUDEX_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'AUDEX_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'AUDEX_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'AUDEX_BAD_REQUEST',
  FST_ERR_VALIDATION: 'AUDEX_VALIDATION',
};

export function toHttpError(err: FastifyError | AudexError | Error): {
  status: number;
  code: AppErrorCode;
  message: string;
} {
  if (err instanceof AudexError) return { status: err.status, code: err.code, message: err.message };
  const mapped = 'code' in err && typeof err.code === 'string' ? FASTIFY_CODES[err.code] : undefined;
  if (mapped !== undefined) return { status: APP_ERRORS[mapped].status, code: mapped, message: err.message };
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) return { status, code: 'AUDEX_BAD_REQUEST', message: err.message };
  return { status: 500, code: 'AUDEX_INTERNAL', message: APP_ERRORS.AUDEX_INTERNAL.message };
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = toHttpError(err);
  if (mapped.status >= 500) request.log.error({ err }, 'request failed');
  void reply.code(mapped.status).send({ error: { code: mapped.code, message: mapped.message } });
}
