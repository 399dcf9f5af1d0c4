/**
 * `/partners/`: real-time data provider instances (PARTNER-PROTOCOL.md). A partner must point at
 * an existing data source, name a registered adapter whose params schema its `params` satisfy, and
 * have a valid call rule — checked by the injected `validators.partner`, the same check the
 * catalog compiler applies, so nothing saved here is silently left out at load.
 */
import type { FastifyInstance } from 'fastify';
import type { Partner } from '../catalog/partner-model.js';
import type { DataSource } from '../catalog/model.js';
import type { CatalogStore } from '../storage/ports.js';
import type { AdminValidators } from './admin-options.js';
import { invalidField } from './admin-errors.js';
import { registerCrudRoutes } from './crud-routes.js';
import { partnerBody, partnerSchema } from './partner-schemas.js';
import { id, statusFilter } from './schemas.js';

export type PartnerBody = Omit<Partner, 'partnerId' | 'createTime' | 'updateTime' | 'status'> & {
  status?: Partner['status'];
};

export function registerPartnerRoutes(
  app: FastifyInstance,
  catalog: CatalogStore,
  validators: AdminValidators,
  now: () => number,
): void {
  registerCrudRoutes<'partners', PartnerBody>(app, catalog, now, {
    kind: 'partners',
    base: '/partners',
    singular: 'Partner',
    plural: 'Partners',
    entity: partnerSchema,
    body: partnerBody,
    filters: { dataSourceId: id, status: statusFilter },
    async toEntity(body, partnerId) {
      const ds = await catalog.get('dataSources', body.dataSourceId);
      if (ds === undefined) throw invalidField('dataSourceId', `no data source ${body.dataSourceId}`);
      const { createTime: _c, updateTime: _u, ...fields } = body as PartnerBody & Partial<Partner>;
      const partner = { ...fields, partnerId, status: body.status ?? 'ACTIVE' } as Omit<
        Partner,
        'createTime' | 'updateTime'
      >;
      const problems =
        validators.partner?.(partner as Partner, new Map<number, DataSource>([[ds.dataSourceId, ds]])) ?? [];
      if (problems.length > 0) throw invalidField('partner', problems.join('; '));
      return partner;
    },
  });
}
