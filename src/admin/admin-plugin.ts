/**
 * The admin REST API: an encapsulated fastify plugin (ARCHITECTURE.md "Front ends") with its own
 * bearer-token hook, validator, error handler and OpenAPI document, so nothing here leaks into the
 * public DCS routes and no DCS route shows up in the document. Register it as
 * `app.register(adminPlugin, { prefix: '/api/v1', catalog, tokens, validators })`.
 * Reference: docs/admin-api.md.
 */
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { AdminOptions } from './admin-options.js';
import { adminErrorHandler, adminNotFound, adminValidatorCompiler } from './admin-errors.js';
import { authHook } from './auth.js';
import { registerDataSourceRoutes } from './datasources-routes.js';
import { registerPartnerRoutes } from './partners-routes.js';
import { registerFolderRoutes } from './folders-routes.js';
import { registerSegmentRoutes } from './segments-routes.js';
import { registerTokenRoutes } from './tokens-routes.js';
import { registerTraitRoutes } from './traits-routes.js';

export type { AdminOptions, AdminValidators } from './admin-options.js';
export { ensureAdminToken, hashToken, mintToken } from './auth.js';

/** The version shown in the OpenAPI document's `info`. */
const API_VERSION = '1.0.0';

/** The admin API plugin (not wrapped in fastify-plugin: its hooks and handlers stay inside). */
export const adminPlugin: FastifyPluginAsync<AdminOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;

  // Registered first: @fastify/swagger collects routes through an onRoute hook of this context,
  // so it sees exactly the routes added below and none of the application's.
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Audex admin API',
        version: API_VERSION,
        description: 'Catalog (data sources, trait folders, traits, segments) and token management.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.setValidatorCompiler(adminValidatorCompiler());
  app.setErrorHandler(adminErrorHandler);
  app.setNotFoundHandler(adminNotFound);
  app.addHook('onRequest', authHook(opts.tokens));

  app.get(
    '/openapi.json',
    {
      config: { audexPublic: true },
      schema: {
        tags: ['Meta'],
        operationId: 'getOpenApi',
        summary: 'This OpenAPI document (no token needed)',
        security: [],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => app.swagger(),
  );

  registerDataSourceRoutes(app, opts.catalog, now);
  registerFolderRoutes(app, opts.catalog, now);
  registerTraitRoutes(app, opts.catalog, opts.validators, now);
  registerSegmentRoutes(app, opts.catalog, opts.validators, now);
  registerPartnerRoutes(app, opts.catalog, opts.validators, now);
  registerTokenRoutes(app, opts.tokens, now);
};
