/**
 * CORS for credentialed calls from customer sites (DIL POSTs with `withCredentials`, AAM §2.2):
 * the request's Origin is echoed when allowed; `*` in the allow-list reflects any origin, as AAM does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function applyCors(request: FastifyRequest, reply: FastifyReply, allowed: readonly string[]): void {
  for (const [name, value] of corsHeaders(request.headers.origin, allowed)) reply.header(name, value);
}

/** The CORS response headers for `origin`, appended to `into` (none when it is not allowed). */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
  into: Array<[string, string]> = [],
): Array<[string, string]> {
  if (origin === undefined || !isAllowed(origin, allowed)) return into;
  into.push(
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Vary', 'Origin'],
  );
  return into;
}

export function isAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}
