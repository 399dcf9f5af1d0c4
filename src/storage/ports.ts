/**
 * Storage ports: the only storage surface the pipeline and the admin API see (ARCHITECTURE.md
 * "Ports and adapters"). Adapters live in `src/storage/<name>/`, load their driver lazily, and
 * pass the shared contract suite in `src/storage/contract/`. Only `src/app.ts` picks adapters.
 */
import type { CatalogData, CatalogEntities, CatalogKind } from '../catalog/model.js';
import type { Profile, ProfileDelta } from '../profiles/profile.js';
import type { SignalMap } from '../signals/signal-map.js';

export interface ListQuery {
  /** 0-based page (AAM REST convention). */
  page: number;
  pageSize: number;
  /** Optional exact-match filters on top-level fields (e.g. `folderId`, `dataSourceId`). */
  where?: Readonly<Record<string, string | number>>;
  /** Case-insensitive substring on `name`. */
  search?: string;
}

export interface ListResult<T> {
  items: T[];
  total: number;
}

/** Catalog entity without the fields the store assigns. The id may be given (imports, demo seed). */
export type NewEntity<K extends CatalogKind> = Omit<CatalogEntities[K], 'createTime' | 'updateTime'>;

/**
 * Configuration CRUD with change notification. Ids are assigned by the store when the id field is
 * `0` or absent. `integrationCode` is unique per kind: a clash raises `AudexError('AUDEX_CONFLICT')`.
 */
export interface CatalogStore {
  loadAll(): Promise<CatalogData>;
  list<K extends CatalogKind>(kind: K, query: ListQuery): Promise<ListResult<CatalogEntities[K]>>;
  get<K extends CatalogKind>(kind: K, id: number): Promise<CatalogEntities[K] | undefined>;
  create<K extends CatalogKind>(kind: K, entity: NewEntity<K>, now: number): Promise<CatalogEntities[K]>;
  /** Replaces the entity (keeps createTime); undefined when absent. */
  update<K extends CatalogKind>(
    kind: K,
    id: number,
    entity: NewEntity<K>,
    now: number,
  ): Promise<CatalogEntities[K] | undefined>;
  delete(kind: CatalogKind, id: number): Promise<boolean>;
  /** Monotonic change counter: any create/update/delete increments it. */
  version(): Promise<number>;
  /** Called after each change made through this store instance (other nodes: see `version`). */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Admin API tokens; only a SHA-256 hash of each token is stored. */
export interface ApiToken {
  id: string;
  name: string;
  role: 'admin' | 'editor' | 'viewer';
  /** hex SHA-256 of the token. */
  hash: string;
  createTime: number;
}

export interface TokenStore {
  put(token: ApiToken): Promise<void>;
  findByHash(hash: string): Promise<ApiToken | undefined>;
  list(): Promise<ApiToken[]>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/**
 * What an event read and computed, offered to `merge` so the store can skip re-reading and
 * re-applying the delta when nobody wrote the profile in between (optimistic, revision-checked).
 */
export interface MergeBasis {
  /** `rev` of the profile as read (0 = there was none). */
  rev: number;
  /** The profile as read with exactly this delta applied (same `now`). The store may keep and return it. */
  merged: Profile;
  /**
   * The event minted this visitor id (rev 0): no profile can be stored under it, so the store
   * need not look for one. Only the pipeline sets it, never from anything a request carries.
   */
  fresh?: true;
}

/**
 * Visitor profiles. `merge` applies the delta atomically against the latest stored profile
 * (creating it when absent) and resolves only once the write is durable (group commit allowed).
 * `get` returns the profile with its stored `rev`; the caller owns that object. With a `basis` whose
 * `rev` is still the stored one, `merge` may store `basis.merged` as is; otherwise it applies `delta`
 * as without a basis, so a stale basis never loses an update. What `merge` resolves with is the
 * store's: callers read it and never mutate it (a store may keep it, e.g. as a cache entry).
 */
export interface ProfileStore {
  get(visitorId: string): Promise<Profile | undefined>;
  merge(visitorId: string, delta: ProfileDelta, now: number, basis?: MergeBasis): Promise<Profile>;
  delete(visitorId: string): Promise<boolean>;
  /** Removes profiles inactive since before `olderThan` (unix ms); returns how many. */
  purgeInactive(olderThan: number): Promise<number>;
  close(): Promise<void>;
}

/** Declared and partner ids ↔ visitor ids. The most recent mapping wins (AAM §3.2). */
export interface IdentityStore {
  resolve(dpid: number, dpuuid: string): Promise<string | undefined>;
  link(dpid: number, dpuuid: string, visitorId: string, now: number): Promise<void>;
  /** Removes every mapping to this visitor (deletion requests). */
  unlinkVisitor(visitorId: string): Promise<number>;
  /** Opt-out marks for ids (visitor ids or `dpid:dpuuid`), kept server-side. */
  setOptOut(key: string, now: number): Promise<void>;
  isOptedOut(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One record per accepted event, appended after the reply. The caller leaves `p_` keys out (AAM
 * §2.3: private, for this call only) and every log drops any that slip through.
 */
export interface EventRecord {
  ts: number;
  tid: string;
  /** Absent or undefined: the event had no visitor id (left out of the logged line either way). */
  visitorId?: string | undefined;
  /** The event's signals as parsed, in arrival order (the pipeline's map itself: no copy an event). */
  signals: SignalMap;
  traits: number[];
  segments: number[];
  errors: number[];
  partners?: Record<string, string>;
}

/** An event as a log keeps it (one NDJSON line): signals as an object, without `p_` keys. */
export type LoggedEvent = Omit<EventRecord, 'signals'> & { signals: Record<string, string[]> };

export interface EventLog {
  /** Buffers the record; never blocks the caller. */
  append(record: EventRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
