/**
 * The composition root: the only module that picks concrete storage adapters (ARCHITECTURE.md).
 * Builds the stores, the catalog service, the HTTP server with its routes and the admin API.
 */
import { join } from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AudexConfig } from './config/config-schema.js';
import { CatalogService } from './catalog/catalog-service.js';
import type { CatalogSnapshot } from './catalog/snapshot.js';
import { Metrics } from './observability/metrics.js';
import { createEventHandler, registerEventRoute } from './http/event-route.js';
import { eventFastLane, laneServerFactory, type Lane } from './http/event-fast-lane.js';
import { registerOptOutRoutes } from './http/optout-route.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { errorHandler } from './http/error-handler.js';
import { adminPlugin } from './admin/admin-plugin.js';
import { AdminTokenHashes } from './admin/admin-token-hashes.js';
import { ensureAdminToken } from './admin/auth.js';
import { testTraitRule, validateSegmentRule, validateTraitRule } from './rules/index.js';
import { seedDemoWorkspace, setDemoPartnerEndpoint } from './demo/demo-workspace.js';
import { startPartnerSim, type PartnerSim } from './partners/sim/partner-sim.js';
import { checkPartner } from './partners/runner/compile-partners.js';
import { PartnerMetrics } from './partners/runner/partner-metrics.js';
import { DEFAULT_BREAKER, PartnerBreakers } from './partners/runner/breaker.js';
import { createUndiciTransport } from './partners/runner/undici-transport.js';
import { compose } from './partners/runner/call.js';
import { withMetrics, withSigning } from './partners/runner/wrappers.js';
import { RateLimiter } from './partners/runner/rate-limiter.js';
import { answerState } from './partners/runner/answer-state.js';
import type { EventServices, PartnerServices } from './pipeline/event-context.js';
import { registerIbsRoute } from './http/ibs-route.js';
import { registerTagRoutes } from './http/tag-routes.js';
import type { Stores } from './storage/stores.js';
import type { EventLog } from './storage/ports.js';
import { createMemoryStores } from './storage/memory/memory-stores.js';
import { createSqliteStores } from './storage/sqlite/sqlite-stores.js';
import type { CorruptProfileHandler } from './storage/sqlite/sqlite-profile-store.js';
import { createFileEventLog } from './storage/file/file-event-log.js';

export interface AppOptions {
  /** Clock, for tests. */
  now?: () => number;
  /** Use these stores instead of building them from config (tests, crash harness). */
  stores?: Stores;
  /** Collect Node's default process metrics. Default true. */
  defaultMetrics?: boolean;
  /** Use this event log instead of the configured one (tests). */
  eventLog?: EventLog;
  /**
   * Seed the demo workspace when `config.demo` is on and the catalog is empty. Default true; cluster
   * workers pass false (the primary seeded once) but still serve the demo.
   */
  seedDemo?: boolean;
}

export interface App {
  server: FastifyInstance;
  stores: Stores;
  catalog: CatalogService;
  metrics: Metrics;
  /** A newly minted admin token to print once (first start without AUDEX_ADMIN_TOKEN). */
  mintedAdminToken: string | undefined;
  demoSeeded: boolean;
  close(): Promise<void>;
}

export async function createApp(config: Readonly<AudexConfig>, opts: AppOptions = {}): Promise<App> {
  const now = opts.now ?? Date.now;
  // The store is built before the logger exists; its reports go to the logger once there is one.
  const report: { corrupt: CorruptProfileHandler; storageError: (err: unknown) => void } = {
    corrupt: () => {},
    storageError: () => {},
  };
  const stores =
    opts.stores ??
    (await buildStores(
      config,
      (visitorId, reason) => report.corrupt(visitorId, reason),
      (err) => report.storageError(err),
    ));
  const demoSeeded =
    config.demo && opts.seedDemo !== false ? await seedDemoWorkspace(stores.catalog, now()) : false;
  // The demo's data provider runs embedded (the reference partner-sim, 15 ms answers) on a loopback port.
  let demoProvider: PartnerSim | undefined;
  if (config.demo) {
    demoProvider = await startPartnerSim({ port: 0, latencyMs: 15 });
    await setDemoPartnerEndpoint(stores.catalog, demoProvider.url, now());
  }
  const mintedAdminToken = await ensureAdminToken(stores.tokens, config.adminToken, now());
  const adminTokens = await AdminTokenHashes.load(stores.tokens);
  const metrics = new Metrics({ defaultMetrics: opts.defaultMetrics ?? true });

  // Installed once the /event handler exists; the server asks for it per request.
  const fastLane: { lane?: Lane } = {};
  const server = Fastify({
    serverFactory: laneServerFactory(() => fastLane.lane),
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // Per-request log lines would cost more than the /event pipeline itself; metrics cover requests.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    // Router-level faults (a malformed escape in the path itself) get the same coded JSON shape.
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  const catalog = await CatalogService.start(stores.catalog, {
    now,
    onSwap: (s) => {
      metrics.catalogReloads.inc();
      if (s.problems.length > 0) server.log.warn({ problems: s.problems }, 'catalog rules left out');
    },
    onError: (err) => server.log.error({ err }, 'catalog reload failed'),
  });
  report.corrupt = (visitorId, reason) => {
    metrics.profilesQuarantined.inc();
    server.log.warn(
      { visitorId, reason },
      'stored profile could not be decoded; quarantined and started afresh',
    );
  };
  report.storageError = (err) => server.log.error({ err }, 'profile write-behind flush failed; retrying');
  const current = (): CatalogSnapshot => catalog.current;
  const eventLog: EventLog | undefined =
    opts.eventLog ??
    (config.eventLog.enabled && config.storage === 'sqlite'
      ? createFileEventLog({ dir: join(config.dataDir, 'events'), maxBytes: config.eventLog.maxBytes })
      : undefined);

  // AAM page code POSTs form bodies; sendBeacon-style callers send text/plain with the same syntax.
  for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
    server.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }
  server.setErrorHandler(errorHandler);
  const partnerMetrics = new PartnerMetrics(metrics.registry);
  const breakers = new PartnerBreakers(
    (key) => current().partners.find((p) => p.key === key)?.breaker ?? DEFAULT_BREAKER,
    partnerMetrics,
  );
  const transport = createUndiciTransport();
  const partners: PartnerServices = {
    call: compose(transport.call, withMetrics(partnerMetrics), breakers.wrapper(), withSigning(now)),
    breakers,
    rateLimiter: new RateLimiter(),
    metrics: partnerMetrics,
    reserveMs: 5,
    gdprDefault: config.dcs.gdprDefault,
    random: () => Math.random() * 100,
    storeLate: (visitorId, partner, settlement) => {
      const at = now();
      const state = answerState(partner, settlement, at);
      if (state === undefined) return;
      stores.profiles
        .merge(visitorId, { partners: { [partner.dataSourceId]: state } }, at)
        .catch((err: unknown) =>
          server.log.warn({ err, partner: partner.key }, 'late partner answer not stored'),
        );
    },
  };
  const services: EventServices = {
    config: config.dcs,
    profiles: stores.profiles,
    identity: stores.identity,
    catalog: current,
    now,
    partners,
  };
  const handleEvent = createEventHandler({
    services,
    eventLog,
    adminTokens,
    metrics,
    onCrash: (stage, err) => server.log.error({ err, stage }, 'pipeline stage crashed'),
  });
  registerEventRoute(server, handleEvent, config.dcs);
  fastLane.lane = eventFastLane(handleEvent, (err) => server.log.error({ err }, 'request failed'));
  // Shutting down: requests still arriving on open connections get fastify's 503, as every route does.
  server.addHook('preClose', async () => {
    delete fastLane.lane;
  });
  registerOptOutRoutes(server, { ...services, config: config.dcs });
  registerIbsRoute(server, { ...services, config: config.dcs });
  registerHealthRoutes(server, { metrics, profiles: stores.profiles, catalog: current });
  registerTagRoutes(server, { allowedOrigins: config.dcs.allowedOrigins, demo: config.demo });
  await server.register(adminPlugin, {
    prefix: '/api/v1',
    catalog: stores.catalog,
    tokens: adminTokens.watch(),
    validators: {
      trait: validateTraitRule,
      segment: validateSegmentRule,
      testTrait: testTraitRule,
      partner: checkPartner,
    },
    now,
  });
  if (demoProvider !== undefined) await warmUp(server, stores);

  return {
    server,
    stores,
    catalog,
    metrics,
    mintedAdminToken,
    demoSeeded,
    async close() {
      await server.close();
      catalog.close();
      adminTokens.close();
      breakers.shutdown();
      await transport.close();
      await demoProvider?.close();
      await eventLog?.close();
      await stores.close();
    },
  };
}

async function buildStores(
  config: Readonly<AudexConfig>,
  onCorruptProfile: CorruptProfileHandler,
  onStorageError: (err: unknown) => void,
): Promise<Stores> {
  if (config.storage === 'memory') return createMemoryStores();
  return createSqliteStores({
    onCorruptProfile,
    onStorageError,
    dataDir: config.dataDir,
    synchronous: config.sqliteSynchronous,
    profileCacheSize: config.profileCacheSize,
    profileWriteBehindMs: config.profileWriteBehindMs,
    sharedWriters: config.workers > 1,
  });
}

/** The visitor id of the start-up warm-up event; its profile is deleted straight after. */
const WARM_UP_VISITOR = '0'.repeat(38);

/**
 * One internal event through the whole pipeline before the server takes traffic: compiles the hot
 * code and opens the demo provider's connection, so a new user's first page view is not the one
 * that pays for it (and misses the provider's answer).
 */
async function warmUp(server: FastifyInstance, stores: Stores): Promise<void> {
  await server.ready();
  await server.inject({ url: `/event?d_uuid=${WARM_UP_VISITOR}&c_section=warm-up&d_rtbd=json` });
  await stores.profiles.delete(WARM_UP_VISITOR);
}
