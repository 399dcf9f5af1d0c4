/**
 * Admin API authentication: bearer tokens stored only as SHA-256 hashes, three roles, and the
 * `onRequest` hook that checks both before a body is even parsed (so an anonymous caller never
 * learns anything from validation errors). See docs/admin-api.md "Authentication".
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AudexError } from '../errors/registry.js';
import type { ApiToken, TokenStore } from '../storage/ports.js';

export type Role = ApiToken['role'];

/** Roles in increasing power; a role may do everything the roles before it may do. */
export const ROLES = ['viewer', 'editor', 'admin'] as const satisfies readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin API: the route needs no token (only the OpenAPI document). */
    audexPublic?: boolean;
    /** Admin API: least role allowed; default `viewer` for GET/HEAD, `editor` otherwise. */
    audexMinRole?: Role;
  }
}

/** Hex SHA-256 of a token: the only form in which tokens are stored or compared. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh token: `adx_` + 32 random bytes, base64url (the prefix makes leaked tokens greppable). */
export function mintToken(): string {
  return `adx_${randomBytes(32).toString('base64url')}`;
}

/** Builds a stored token record for a plaintext token; the plaintext itself is not kept. */
export function tokenRecord(token: string, name: string, role: Role, now: number): ApiToken {
  return { id: randomUUID(), name, role, hash: hashToken(token), createTime: now };
}

/**
 * On first start: if no token exists, store `seed` (config `AUDEX_ADMIN_TOKEN`) or a freshly minted
 * one as role admin. Returns the plaintext when it was minted (to print once), undefined otherwise.
 * A `seed` not yet stored is stored even when other tokens exist, so an operator can always get
 * back in by setting the variable and restarting.
 */
export async function ensureAdminToken(
  tokens: TokenStore,
  seed: string | undefined,
  now: number,
): Promise<string | undefined> {
  if (seed !== undefined && seed !== '') {
    if ((await tokens.findByHash(hashToken(seed))) === undefined) {
      await tokens.put(tokenRecord(seed, 'AUDEX_ADMIN_TOKEN', 'admin', now));
    }
    return undefined;
  }
  if ((await tokens.count()) > 0) return undefined;
  const minted = mintToken();
  await tokens.put(tokenRecord(minted, 'initial admin', 'admin', now));
  return minted;
}

/** True when `role` may do what `needed` may do. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

function unauthorized(reply: FastifyReply, invalid: boolean): AudexError {
  // RFC 6750 §3: a 401 carries a Bearer challenge; `invalid_token` only when a token was sent.
  void reply.header(
    'WWW-Authenticate',
    invalid ? 'Bearer realm="audex", error="invalid_token"' : 'Bearer realm="audex"',
  );
  return new AudexError('AUDEX_UNAUTHORIZED');
}

/** Looks the token up by hash; returns the stored record or undefined. */
async function findToken(tokens: TokenStore, presented: string): Promise<ApiToken | undefined> {
  const hash = hashToken(presented);
  const found = await tokens.findByHash(hash);
  if (found === undefined) return undefined;
  // Defence in depth: a store that matched loosely must not let a different token through.
  const a = Buffer.from(found.hash, 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b) ? found : undefined;
}

/** The `onRequest` hook: 401 without a known token, 403 when the role is too weak for the route. */
export function authHook(tokens: TokenStore) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config;
    if (config.audexPublic === true) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    const presented = match?.[1];
    if (presented === undefined) throw unauthorized(reply, false);
    const token = await findToken(tokens, presented);
    if (token === undefined) throw unauthorized(reply, true);
    // Unknown URLs fall through to the 404 handler, which needs no role beyond a valid token.
    if (request.is404) return;
    const readOnly = request.method === 'GET' || request.method === 'HEAD';
    const needed = config.audexMinRole ?? (readOnly ? 'viewer' : 'editor');
    if (!roleAllows(token.role, needed)) {
      throw new AudexError('AUDEX_FORBIDDEN', `Role ${token.role} may not do this; needs ${needed}`);
    }
  };
}
