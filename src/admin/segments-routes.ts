/**
 * `/segments/`: segment CRUD (AAM §6.1, §6.5) plus `POST /segments/validate`. A segment rule is
 * checked by the injected validator against the traits it names, described from the catalog
 * (kind from `traitType`, first party from the trait's data source).
 */
import type { FastifyInstance } from 'fastify';
import type { Segment, Status } from '../catalog/model.js';
import type { CatalogStore } from '../storage/ports.js';
import type { AdminValidators } from './admin-options.js';
import { invalidField, ruleInvalid } from './admin-errors.js';
import { traitLookup } from './catalog-queries.js';
import { registerCrudRoutes } from './crud-routes.js';
import {
  id,
  responses,
  ruleText,
  segmentBody,
  segmentSchema,
  statusFilter,
  validateResponse,
} from './schemas.js';

/** A validated segment body (see `segmentBody`). */
export interface SegmentBody {
  name: string;
  description?: string;
  integrationCode?: string;
  dataSourceId: number;
  folderId?: number;
  segmentRule: string;
  status?: Status;
}

/** Registers the segment routes. */
export function registerSegmentRoutes(
  app: FastifyInstance,
  catalog: CatalogStore,
  validators: AdminValidators,
  now: () => number,
): void {
  registerCrudRoutes<'segments', SegmentBody>(app, catalog, now, {
    kind: 'segments',
    base: '/segments',
    singular: 'Segment',
    plural: 'Segments',
    entity: segmentSchema,
    body: segmentBody,
    filters: { folderId: id, dataSourceId: id, status: statusFilter },
    deleteByIntegrationCode: true,
    async toEntity(body, sid) {
      if ((await catalog.get('dataSources', body.dataSourceId)) === undefined) {
        throw invalidField('dataSourceId', `no data source ${body.dataSourceId}`);
      }
      const err = validators.segment(body.segmentRule, await traitLookup(catalog, body.segmentRule));
      if (err !== undefined) throw ruleInvalid('segmentRule', err);
      const segment: Omit<Segment, 'createTime' | 'updateTime'> = {
        sid,
        name: body.name,
        dataSourceId: body.dataSourceId,
        folderId: body.folderId ?? 0,
        segmentRule: body.segmentRule,
        status: body.status ?? 'ACTIVE',
      };
      if (body.description !== undefined) segment.description = body.description;
      if (body.integrationCode !== undefined) segment.integrationCode = body.integrationCode;
      return segment;
    },
  });

  app.post<{ Body: { segmentRule: string } }>(
    '/segments/validate',
    {
      config: { audexMinRole: 'viewer' },
      schema: {
        tags: ['Segments'],
        operationId: 'validateSegmentRule',
        summary: 'Check a segment rule against the current traits without saving anything',
        body: {
          type: 'object',
          required: ['segmentRule'],
          properties: { segmentRule: ruleText },
          additionalProperties: false,
        },
        response: responses({ 200: validateResponse }),
      },
    },
    async (request) => {
      const rule = request.body.segmentRule;
      const err = validators.segment(rule, await traitLookup(catalog, rule));
      return err === undefined ? { valid: true } : { valid: false, error: err };
    },
  );
}
