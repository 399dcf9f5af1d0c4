/**
 * `/datasources/`: who the data belongs to (AAM §3.4). A data source still used by a trait or a
 * segment cannot be deleted (409 `AUDEX_IN_USE`), so no trait is left pointing at nothing.
 */
import type { FastifyInstance } from 'fastify';
import type { DataSource, IdType, Status } from '../catalog/model.js';
import { AudexError } from '../errors/registry.js';
import type { CatalogStore } from '../storage/ports.js';
import { countWhere } from './catalog-queries.js';
import { registerCrudRoutes } from './crud-routes.js';
import { dataSourceBody, dataSourceSchema, statusFilter } from './schemas.js';

/** A validated data source body (see `dataSourceBody`). */
export interface DataSourceBody {
  name: string;
  description?: string;
  integrationCode?: string;
  idType?: IdType;
  thirdParty?: boolean;
  status?: Status;
}

/** Registers the data source routes. */
export function registerDataSourceRoutes(
  app: FastifyInstance,
  catalog: CatalogStore,
  now: () => number,
): void {
  registerCrudRoutes<'dataSources', DataSourceBody>(app, catalog, now, {
    kind: 'dataSources',
    base: '/datasources',
    singular: 'DataSource',
    plural: 'DataSources',
    entity: dataSourceSchema,
    body: dataSourceBody,
    filters: { status: statusFilter },
    toEntity(body, dataSourceId) {
      const entity: Omit<DataSource, 'createTime' | 'updateTime'> = {
        dataSourceId,
        name: body.name,
        idType: body.idType ?? 'COOKIE',
        thirdParty: body.thirdParty ?? false,
        status: body.status ?? 'ACTIVE',
      };
      if (body.description !== undefined) entity.description = body.description;
      if (body.integrationCode !== undefined) entity.integrationCode = body.integrationCode;
      return Promise.resolve(entity);
    },
    async beforeDelete(ds) {
      const where = { dataSourceId: ds.dataSourceId };
      const traits = await countWhere(catalog, 'traits', where);
      const segments = await countWhere(catalog, 'segments', where);
      if (traits + segments > 0) {
        throw new AudexError(
          'AUDEX_IN_USE',
          `Data source ${ds.dataSourceId} is used by ${traits} trait(s) and ${segments} segment(s)`,
          { traits, segments },
        );
      }
    },
  });
}
