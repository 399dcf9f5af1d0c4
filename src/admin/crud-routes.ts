/**
 * The list / get / create / replace / delete routes every catalog resource shares, written once.
 * A resource supplies its schemas and the parts that differ (body → entity with its referential
 * checks, and lifecycle hooks such as the folder trait that follows its folder).
 */
import type { FastifyInstance } from 'fastify';
import type { CatalogEntities, CatalogKind } from '../catalog/model.js';
import { ID_FIELD } from '../catalog/model.js';
import { AudexError } from '../errors/registry.js';
import type { CatalogStore, ListQuery, NewEntity } from '../storage/ports.js';
import { invalidField } from './admin-errors.js';
import {
  idParams,
  integrationCode,
  listQuery,
  listResponse,
  noContent,
  responses,
  type JsonSchema,
} from './schemas.js';

/** AAM convention: an unpaged list returns everything; Audex caps it so one call stays bounded. */
export const UNPAGED_LIMIT = 10_000;

/** What one catalog resource plugs into {@link registerCrudRoutes}. */
export interface CrudResource<K extends CatalogKind, B> {
  kind: K;
  /** URL below the plugin prefix, without trailing slash, e.g. `/traits`. */
  base: string;
  /** Singular and plural names for messages, OpenAPI tags and operation ids. */
  singular: string;
  plural: string;
  entity: JsonSchema;
  body: JsonSchema;
  /** Exact-match list filters (querystring name = entity field). */
  filters: Record<string, JsonSchema>;
  /** Turns a validated body into the stored entity (`id` 0 on create); throws for bad references. */
  toEntity(body: B, id: number, existing: CatalogEntities[K] | undefined): Promise<NewEntity<K>>;
  /** Refuses PUT/DELETE of an entity that is not edited directly. */
  assertEditable?(existing: CatalogEntities[K]): void;
  afterCreate?(created: CatalogEntities[K]): Promise<void>;
  afterUpdate?(updated: CatalogEntities[K], before: CatalogEntities[K]): Promise<void>;
  /** Throws (e.g. `AUDEX_IN_USE`) when the entity must not be deleted. */
  beforeDelete?(existing: CatalogEntities[K]): Promise<void>;
  afterDelete?(deleted: CatalogEntities[K]): Promise<void>;
  /** Also serve `DELETE <base>/ic:<integrationCode>` (AAM has it for traits and segments). */
  deleteByIntegrationCode?: boolean;
}

type Query = Record<string, string | number | undefined>;

/** Registers the shared routes of one resource on the admin plugin's instance. */
export function registerCrudRoutes<K extends CatalogKind, B extends object>(
  app: FastifyInstance,
  catalog: CatalogStore,
  now: () => number,
  r: CrudResource<K, B>,
): void {
  const tags = [r.plural];
  const idField: string = ID_FIELD[r.kind];

  async function load(id: number): Promise<CatalogEntities[K]> {
    const found = await catalog.get(r.kind, id);
    if (found === undefined) throw new AudexError('AUDEX_NOT_FOUND', `No ${r.singular.toLowerCase()} ${id}`);
    return found;
  }

  async function remove(existing: CatalogEntities[K]): Promise<void> {
    r.assertEditable?.(existing);
    await r.beforeDelete?.(existing);
    await catalog.delete(r.kind, Number(existing[idField as keyof CatalogEntities[K]]));
    await r.afterDelete?.(existing);
  }

  // AAM documents collection URLs with a trailing slash; the bare form is a hidden alias.
  for (const url of [`${r.base}/`, r.base]) {
    const hide = url === r.base;
    app.get<{ Querystring: Query }>(
      url,
      {
        schema: {
          hide,
          tags,
          operationId: `list${r.plural}`,
          summary: `List ${r.plural.toLowerCase()}`,
          querystring: listQuery(r.filters),
          response: responses({ 200: listResponse(r.entity) }),
        },
      },
      async (request, reply) => {
        const { page, pageSize, search, ...filters } = request.query;
        const query: ListQuery = { page: page === undefined ? 0 : Number(page), pageSize: UNPAGED_LIMIT };
        if (page !== undefined) query.pageSize = pageSize === undefined ? 10 : Number(pageSize);
        if (typeof search === 'string' && search !== '') query.search = search;
        const where: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(filters)) if (v !== undefined) where[k] = v;
        if (Object.keys(where).length > 0) query.where = where;
        const { items, total } = await catalog.list(r.kind, query);
        void reply.header('X-Total-Count', String(total));
        return page === undefined
          ? items
          : { list: items, page: query.page, pageSize: query.pageSize, total };
      },
    );
    app.post<{ Body: B }>(
      url,
      {
        schema: {
          hide,
          tags,
          operationId: `create${r.singular}`,
          summary: `Create a ${r.singular.toLowerCase()}`,
          body: r.body,
          response: responses({ 201: { ...r.entity, description: 'created' } }, [409]),
        },
      },
      async (request, reply) => {
        const created = await catalog.create(
          r.kind,
          await r.toEntity(request.body as B, 0, undefined),
          now(),
        );
        await r.afterCreate?.(created);
        return reply.code(201).send(created);
      },
    );
  }

  app.get<{ Params: { id: number } }>(
    `${r.base}/:id`,
    {
      schema: {
        tags,
        operationId: `get${r.singular}`,
        summary: `Get one ${r.singular.toLowerCase()}`,
        params: idParams,
        response: responses({ 200: r.entity }, [404]),
      },
    },
    async (request) => load(request.params.id),
  );

  app.put<{ Params: { id: number }; Body: B }>(
    `${r.base}/:id`,
    {
      schema: {
        tags,
        operationId: `replace${r.singular}`,
        summary: `Replace a ${r.singular.toLowerCase()} (omitted optional fields take their defaults)`,
        params: idParams,
        body: r.body,
        response: responses({ 200: r.entity }, [404, 409]),
      },
    },
    async (request) => {
      const { id } = request.params;
      const bodyId = (request.body as Record<string, unknown>)[idField];
      if (bodyId !== undefined && bodyId !== id) throw invalidField(idField, `must equal the path id ${id}`);
      const before = await load(id);
      r.assertEditable?.(before);
      const updated = await catalog.update(
        r.kind,
        id,
        await r.toEntity(request.body as B, id, before),
        now(),
      );
      if (updated === undefined)
        throw new AudexError('AUDEX_NOT_FOUND', `No ${r.singular.toLowerCase()} ${id}`);
      await r.afterUpdate?.(updated, before);
      return updated;
    },
  );

  app.delete<{ Params: { id: number } }>(
    `${r.base}/:id`,
    {
      schema: {
        tags,
        operationId: `delete${r.singular}`,
        summary: `Delete a ${r.singular.toLowerCase()}`,
        params: idParams,
        response: responses({ 204: noContent }, [404, 409]),
      },
    },
    async (request, reply) => {
      await remove(await load(request.params.id));
      return reply.code(204).send();
    },
  );

  if (r.deleteByIntegrationCode === true) {
    // `ic:::code` is find-my-way for the literal `ic:` followed by the `code` parameter.
    app.delete<{ Params: { code: string } }>(
      `${r.base}/ic:::code`,
      {
        schema: {
          tags,
          operationId: `delete${r.singular}ByIntegrationCode`,
          summary: `Delete a ${r.singular.toLowerCase()} by integration code (AAM: DELETE .../ic:{code})`,
          params: {
            type: 'object',
            properties: { code: integrationCode },
            required: ['code'],
            additionalProperties: false,
          },
          response: responses({ 204: noContent }, [404, 409]),
        },
      },
      async (request, reply) => {
        const { code } = request.params;
        const found = await catalog.list(r.kind, { page: 0, pageSize: 1, where: { integrationCode: code } });
        const existing = found.items[0];
        if (existing === undefined) {
          throw new AudexError(
            'AUDEX_NOT_FOUND',
            `No ${r.singular.toLowerCase()} with integration code ${code}`,
          );
        }
        await remove(existing);
        return reply.code(204).send();
      },
    );
  }
}
