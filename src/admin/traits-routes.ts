/**
 * `/traits/`: trait CRUD (AAM §5.2, §5.9) plus the Trait Builder's two helpers, "validate
 * expression" (`POST /traits/validate`, as AAM) and "test this rule against a sample call"
 * (`POST /traits/test`). Rules are checked by the injected `validators`, never parsed here.
 */
import type { FastifyInstance } from 'fastify';
import type { Status, Trait, TraitType } from '../catalog/model.js';
import { AudexError } from '../errors/registry.js';
import { addSignal, type MutableSignalMap } from '../signals/signal-map.js';
import type { CatalogStore } from '../storage/ports.js';
import type { AdminValidators } from './admin-options.js';
import { invalidField, ruleInvalid } from './admin-errors.js';
import { segmentsUsingTrait } from './catalog-queries.js';
import { registerCrudRoutes } from './crud-routes.js';
import {
  id,
  responses,
  ruleText,
  statusFilter,
  traitBody,
  traitSchema,
  validateResponse,
} from './schemas.js';

/** AAM §5.2: a trait lives 120 days after its last realisation unless told otherwise. */
export const DEFAULT_TRAIT_TTL = 120;

/** A validated trait body (see `traitBody`). */
export interface TraitBody {
  name: string;
  description?: string;
  integrationCode?: string;
  traitType: Exclude<TraitType, 'FOLDER_TRAIT'>;
  dataSourceId: number;
  folderId: number;
  traitRule?: string;
  ttl?: number;
  status?: Status;
}

interface TestBody {
  traitRule: string;
  signals?: Record<string, string[]>;
  query?: string;
}

/** The signals of a sample call: explicit key → values, and/or a query string (`c_a=1&c_b=x,y`). */
export function testSignals(body: Pick<TestBody, 'signals' | 'query'>): MutableSignalMap {
  const map: MutableSignalMap = new Map();
  for (const [key, values] of Object.entries(body.signals ?? {}))
    for (const v of values) addSignal(map, key, v);
  if (body.query !== undefined) {
    // Comma-serialised values are several values, as on a DCS call (AAM §2.6).
    for (const [key, value] of new URLSearchParams(body.query))
      for (const v of value.split(',')) addSignal(map, key, v);
  }
  return map;
}

const testBodySchema = {
  type: 'object',
  required: ['traitRule'],
  properties: {
    traitRule: ruleText,
    signals: {
      type: 'object',
      description: 'key → values of the sample call',
      maxProperties: 1000,
      additionalProperties: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 8192 } },
    },
    query: { type: 'string', maxLength: 32_768, description: 'sample call query string, e.g. c_a=1&c_b=x,y' },
  },
  additionalProperties: false,
} as const;

/** Registers the trait routes. */
export function registerTraitRoutes(
  app: FastifyInstance,
  catalog: CatalogStore,
  validators: AdminValidators,
  now: () => number,
): void {
  registerCrudRoutes<'traits', TraitBody>(app, catalog, now, {
    kind: 'traits',
    base: '/traits',
    singular: 'Trait',
    plural: 'Traits',
    entity: traitSchema,
    body: traitBody,
    filters: {
      folderId: id,
      dataSourceId: id,
      status: statusFilter,
      traitType: { type: 'string', enum: ['RULE_BASED_TRAIT', 'ON_BOARDED_TRAIT', 'FOLDER_TRAIT'] },
    },
    deleteByIntegrationCode: true,
    async toEntity(body, sid) {
      if ((await catalog.get('dataSources', body.dataSourceId)) === undefined) {
        throw invalidField('dataSourceId', `no data source ${body.dataSourceId}`);
      }
      if ((await catalog.get('traitFolders', body.folderId)) === undefined) {
        throw invalidField('folderId', `no trait folder ${body.folderId}`);
      }
      if (body.traitType === 'RULE_BASED_TRAIT' && body.traitRule === undefined) {
        throw invalidField('traitRule', 'required for RULE_BASED_TRAIT');
      }
      const trait: Omit<Trait, 'createTime' | 'updateTime'> = {
        sid,
        name: body.name,
        traitType: body.traitType,
        dataSourceId: body.dataSourceId,
        folderId: body.folderId,
        ttl: body.ttl ?? DEFAULT_TRAIT_TTL,
        status: body.status ?? 'ACTIVE',
      };
      if (body.traitRule !== undefined) {
        const err = validators.trait(body.traitRule);
        if (err !== undefined) throw ruleInvalid('traitRule', err);
        trait.traitRule = body.traitRule;
      }
      if (body.description !== undefined) trait.description = body.description;
      if (body.integrationCode !== undefined) trait.integrationCode = body.integrationCode;
      return trait;
    },
    assertEditable(trait) {
      if (trait.traitType === 'FOLDER_TRAIT') {
        throw new AudexError(
          'AUDEX_BAD_REQUEST',
          `Trait ${trait.sid} is a folder trait: rename or delete its folder (/folders/traits/${trait.folderId})`,
        );
      }
    },
    async beforeDelete(trait) {
      const segments = await segmentsUsingTrait(catalog, trait.sid);
      if (segments.length > 0) {
        throw new AudexError(
          'AUDEX_IN_USE',
          `Trait ${trait.sid} is used by segment(s) ${segments.join(', ')}`,
          {
            segments,
          },
        );
      }
    },
  });

  app.post<{ Body: { traitRule: string } }>(
    '/traits/validate',
    {
      config: { audexMinRole: 'viewer' },
      schema: {
        tags: ['Traits'],
        operationId: 'validateTraitRule',
        summary: 'Check a trait rule without saving anything',
        body: {
          type: 'object',
          required: ['traitRule'],
          properties: { traitRule: ruleText },
          additionalProperties: false,
        },
        response: responses({ 200: validateResponse }),
      },
    },
    async (request) => {
      const err = validators.trait(request.body.traitRule);
      return err === undefined ? { valid: true } : { valid: false, error: err };
    },
  );

  app.post<{ Body: TestBody }>(
    '/traits/test',
    {
      config: { audexMinRole: 'viewer' },
      schema: {
        tags: ['Traits'],
        operationId: 'testTraitRule',
        summary: 'Evaluate a trait rule against the signals of a sample call',
        description:
          'Give `signals`, `query` or both (merged). An invalid rule answers 400 AUDEX_RULE_INVALID.',
        body: testBodySchema,
        response: responses({
          200: { type: 'object', required: ['matched'], properties: { matched: { type: 'boolean' } } },
        }),
      },
    },
    async (request) => {
      const { body } = request;
      if (body.signals === undefined && body.query === undefined) {
        throw invalidField('signals', 'give signals, query or both');
      }
      const result = validators.testTrait(body.traitRule, testSignals(body));
      if (typeof result !== 'boolean') throw ruleInvalid('traitRule', result);
      return { matched: result };
    },
  );
}
