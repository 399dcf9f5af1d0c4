/**
 * CORS for credentialed calls from customer sites (DIL POSTs with `withCredentials`, AAM §2.2):
 * the request's Origin is echoed when allowed; `*` in the allow-list reflects any origin, as AAM does.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function applyCors(request: FastifyRequest, reply: FastifyReply, allowed: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined || !isAllowed(origin, allowed)) return;
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Vary', 'Origin');
}

export function isAllowed(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}
