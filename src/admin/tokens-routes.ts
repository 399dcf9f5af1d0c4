/**
 * `/tokens/` (admin role only): list, mint and revoke admin API tokens. The plaintext of a token
 * exists only in the answer to its creation; the store keeps its SHA-256 hash.
 */
import type { FastifyInstance } from 'fastify';
import { AudexError } from '../errors/registry.js';
import type { TokenStore } from '../storage/ports.js';
import { mintToken, ROLES, tokenRecord, type Role } from './auth.js';
import { name, noContent, responses } from './schemas.js';

const role = { type: 'string', enum: ROLES } as const;
const tokenView = {
  title: 'Token',
  type: 'object',
  required: ['id', 'name', 'role', 'createTime'],
  properties: { id: { type: 'string' }, name, role, createTime: { type: 'integer' } },
  additionalProperties: false,
} as const;
const createdToken = {
  ...tokenView,
  title: 'CreatedToken',
  description: 'created; `token` is shown only here',
  required: [...tokenView.required, 'token'],
  properties: { ...tokenView.properties, token: { type: 'string', description: 'plaintext bearer token' } },
} as const;

/** Registers the token routes. */
export function registerTokenRoutes(app: FastifyInstance, tokens: TokenStore, now: () => number): void {
  const config = { audexMinRole: 'admin' } as const;
  const tags = ['Tokens'];

  // Like the catalog collections: `/tokens/` as AAM writes it, `/tokens` as a hidden alias.
  for (const url of ['/tokens/', '/tokens']) {
    app.get(
      url,
      {
        config,
        schema: {
          hide: url === '/tokens',
          tags,
          operationId: 'listTokens',
          summary: 'List tokens (never their hashes)',
          response: responses({ 200: { type: 'array', items: tokenView } }),
        },
      },
      async () =>
        (await tokens.list()).map(({ id, name, role, createTime }) => ({ id, name, role, createTime })),
    );

    app.post<{ Body: { name: string; role: Role } }>(
      url,
      {
        config,
        schema: {
          hide: url === '/tokens',
          tags,
          operationId: 'createToken',
          summary: 'Mint a token',
          body: {
            type: 'object',
            required: ['name', 'role'],
            properties: { name, role },
            additionalProperties: false,
          },
          response: responses({ 201: createdToken }),
        },
      },
      async (request, reply) => {
        const token = mintToken();
        const record = tokenRecord(token, request.body.name, request.body.role, now());
        await tokens.put(record);
        const { id, name, role, createTime } = record;
        return reply.code(201).send({ id, name, role, createTime, token });
      },
    );
  }

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config,
      schema: {
        tags,
        operationId: 'deleteToken',
        summary: 'Revoke a token (not the last admin token)',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
          additionalProperties: false,
        },
        response: responses({ 204: noContent }, [404, 409]),
      },
    },
    async (request, reply) => {
      const all = await tokens.list();
      const target = all.find((t) => t.id === request.params.id);
      if (target === undefined) throw new AudexError('AUDEX_NOT_FOUND', `No token ${request.params.id}`);
      // Losing the last admin token would lock everyone out of token management for good.
      if (target.role === 'admin' && all.filter((t) => t.role === 'admin').length <= 1) {
        throw new AudexError('AUDEX_CONFLICT', 'Cannot delete the last admin token');
      }
      await tokens.delete(target.id);
      return reply.code(204).send();
    },
  );
}
