/**
 * JSON Schemas of the admin API: the single source for request validation, response serialisation
 * and the OpenAPI document. Field names follow `src/catalog/model.ts` (which follows AAM's REST API).
 *
 * Bodies reject unknown fields (`additionalProperties: false`). The read-only fields a GET returns
 * (the id, `createTime`, `updateTime`) are accepted in bodies so a GET → edit → PUT round trip
 * works, and ignored (a PUT whose body id differs from the path id is rejected).
 */

/** A JSON Schema object as fastify, Ajv and @fastify/swagger take it. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** AAM §5.2 / §11: names and integration codes are at most 255 characters. */
export const name = { type: 'string', minLength: 1, maxLength: 255 } as const;
export const description = { type: 'string', maxLength: 4000 } as const;
export const integrationCode = { type: 'string', minLength: 1, maxLength: 255 } as const;
export const status = { type: 'string', enum: ['ACTIVE', 'INACTIVE'], default: 'ACTIVE' } as const;
export const id = { type: 'integer', minimum: 0 } as const;
/** List filter on `status` (no default: absent = both). */
export const statusFilter = { type: 'string', enum: ['ACTIVE', 'INACTIVE'] } as const;
const time = { type: 'integer', description: 'unix milliseconds' } as const;
const readOnlyTime = {
  ...time,
  readOnly: true,
  description: 'unix milliseconds; ignored in bodies',
} as const;
/** Rule texts: generous, but bounded so one request cannot make the validator chew megabytes. */
export const ruleText = { type: 'string', minLength: 1, maxLength: 65_536 } as const;

/** Entity schema for responses: every stored field, in model order. */
export function entity(
  title: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
): JsonSchema {
  return {
    title,
    type: 'object',
    properties: { ...properties, createTime: time, updateTime: time },
    required: [...required, 'createTime', 'updateTime'],
    additionalProperties: false,
  };
}

/** Body schema: writable fields plus the ignored read-only ones; unknown fields rejected. */
export function body(
  title: string,
  idField: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
): JsonSchema {
  return {
    title,
    type: 'object',
    properties: {
      [idField]: { ...id, readOnly: true, description: 'ignored on POST; must equal the path id on PUT' },
      ...properties,
      createTime: readOnlyTime,
      updateTime: readOnlyTime,
    },
    required,
    additionalProperties: false,
  };
}

const idType = {
  type: 'string',
  enum: ['COOKIE', 'CROSS_DEVICE', 'DEVICE_ADVERTISING_ID'],
  default: 'COOKIE',
};
const dataSourceFields = {
  name,
  description,
  integrationCode,
  idType,
  thirdParty: { type: 'boolean', default: false, description: 'false = first party (the site itself)' },
  status,
};
export const dataSourceSchema = entity('DataSource', { dataSourceId: id, ...dataSourceFields }, [
  'dataSourceId',
  'name',
  'idType',
  'thirdParty',
  'status',
]);
export const dataSourceBody = body('DataSourceBody', 'dataSourceId', dataSourceFields, ['name']);

const folderFields = {
  parentFolderId: { ...id, default: 0, description: '0 = root; at most 5 levels of nesting' },
  name,
};
export const folderSchema = entity('TraitFolder', { folderId: id, ...folderFields }, [
  'folderId',
  'parentFolderId',
  'name',
]);
export const folderBody = body('TraitFolderBody', 'folderId', folderFields, ['name']);

const traitFields = {
  name,
  description,
  integrationCode,
  dataSourceId: id,
  folderId: id,
  traitRule: ruleText,
  ttl: {
    type: 'integer',
    minimum: 0,
    maximum: 100_000,
    default: 120,
    description: 'days; 0 = never expires',
  },
  status,
};
export const traitSchema = entity(
  'Trait',
  {
    sid: id,
    traitType: { type: 'string', enum: ['RULE_BASED_TRAIT', 'ON_BOARDED_TRAIT', 'FOLDER_TRAIT'] },
    ...traitFields,
  },
  ['sid', 'name', 'traitType', 'dataSourceId', 'folderId', 'ttl', 'status'],
);
export const traitBody = body(
  'TraitBody',
  'sid',
  {
    // FOLDER_TRAIT is absent on purpose: folder traits are made and changed through their folder.
    traitType: { type: 'string', enum: ['RULE_BASED_TRAIT', 'ON_BOARDED_TRAIT'] },
    ...traitFields,
  },
  ['name', 'traitType', 'dataSourceId', 'folderId'],
);

const segmentFields = {
  name,
  description,
  integrationCode,
  dataSourceId: id,
  folderId: { ...id, default: 0, description: 'segment folder; not checked (no segment folders yet)' },
  segmentRule: ruleText,
  status,
};
export const segmentSchema = entity('Segment', { sid: id, ...segmentFields }, [
  'sid',
  'name',
  'dataSourceId',
  'folderId',
  'segmentRule',
  'status',
]);
export const segmentBody = body('SegmentBody', 'sid', segmentFields, ['name', 'dataSourceId', 'segmentRule']);

/** `{ error: { code, message, details? } }`, the body of every 4xx/5xx answer. */
export const errorSchema: JsonSchema = {
  title: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'a code from docs/errors.md, e.g. AUDEX_VALIDATION' },
        message: { type: 'string' },
        details: { description: 'code-specific: failing fields, rule position, referencing ids' },
      },
    },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: '400 AUDEX_VALIDATION, AUDEX_RULE_INVALID or AUDEX_BAD_REQUEST',
  401: '401 AUDEX_UNAUTHORIZED (missing or unknown bearer token)',
  403: '403 AUDEX_FORBIDDEN (the token role may not do this)',
  404: '404 AUDEX_NOT_FOUND',
  409: '409 AUDEX_CONFLICT or AUDEX_IN_USE',
};

/**
 * Response map: the success schemas plus one `4xx` error schema whose description names the codes
 * this route can answer (400/401/403 always, `extra` when given). One shared `4xx` entry instead of
 * one per status keeps the number of compiled serialisers, and so start-up time, down.
 */
export function responses(ok: Record<number, JsonSchema>, extra: readonly (404 | 409)[] = []): JsonSchema {
  const out: Record<string, JsonSchema> = {};
  for (const [code, schema] of Object.entries(ok)) out[code] = schema;
  const text = [400, 401, 403, ...extra].map((code) => ERROR_TEXT[code]).join('; ');
  out['4xx'] = { ...errorSchema, description: text };
  return out;
}

export const noContent: JsonSchema = { type: 'null', description: 'deleted' };

export const idParams: JsonSchema = {
  type: 'object',
  properties: { id },
  required: ['id'],
  additionalProperties: false,
};

/** Querystring of a list route: paging, search and the resource's exact-match filters. */
export function listQuery(filters: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    properties: {
      page: { type: 'integer', minimum: 0, description: '0-based; when present the answer is a page object' },
      pageSize: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'used with page' },
      search: { type: 'string', maxLength: 255, description: 'case-insensitive substring of name' },
      ...filters,
    },
    additionalProperties: false,
  };
}

/** AAM convention: a bare array without `page`, a page object with it. */
export function listResponse(item: JsonSchema): JsonSchema {
  return {
    description: 'without page: all matches (at most 10,000) as an array; with page: a page object',
    anyOf: [
      { type: 'array', items: item },
      {
        type: 'object',
        required: ['list', 'page', 'pageSize', 'total'],
        properties: {
          list: { type: 'array', items: item },
          page: { type: 'integer' },
          pageSize: { type: 'integer' },
          total: { type: 'integer' },
        },
      },
    ],
  };
}

/** `{ valid: true }` or `{ valid: false, error: { message, position, expected? } }`. */
export const validateResponse: JsonSchema = {
  type: 'object',
  required: ['valid'],
  properties: {
    valid: { type: 'boolean' },
    error: {
      type: 'object',
      required: ['message', 'position'],
      properties: {
        message: { type: 'string' },
        position: { type: 'integer', description: '0-based character offset' },
        expected: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
