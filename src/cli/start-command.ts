/**
 * `audex start`: load config, build the app, listen, and shut down gracefully on SIGTERM/SIGINT.
 * With `--workers N` the primary prepares the data directory once (migrations, demo, first token)
 * and forks N workers that share the port (node:cluster); each worker is a full, stateless DCS.
 */
import cluster from 'node:cluster';
import type { AudexConfig } from '../config/config-schema.js';
import { createApp } from '../app.js';

export async function startCommand(config: Readonly<AudexConfig>): Promise<void> {
  if (config.workers > 1 && cluster.isPrimary) return startPrimary(config);
  const isWorker = cluster.isWorker;
  const app = await createApp(config, { seedDemo: !isWorker });
  announce(app.mintedAdminToken, app.demoSeeded);
  const address = await app.server.listen({ port: config.port, host: config.host });
  if (!isWorker)
    console.log(`Audex DCS listening on ${address}  (event: ${address}/event, admin API: ${address}/api/v1)`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.server.log.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function startPrimary(config: Readonly<AudexConfig>): Promise<void> {
  // Prepare once: a worker race on demo seeding or token minting would duplicate them.
  const prep = await createApp(config, { defaultMetrics: false });
  announce(prep.mintedAdminToken, prep.demoSeeded);
  await prep.close();
  for (let i = 0; i < config.workers; i++) cluster.fork();
  console.log(`Audex DCS: ${config.workers} workers on http://${config.host}:${config.port}`);
  cluster.on('exit', (worker, code) => {
    if (code !== 0) {
      console.error(`worker ${worker.process.pid} exited with ${code}; starting another`);
      cluster.fork();
    }
  });
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function announce(token: string | undefined, demoSeeded: boolean): void {
  if (demoSeeded) console.log('Seeded the [demo] workspace (start with --no-demo to skip).');
  if (token !== undefined) {
    console.log('\nFirst start: an admin API token was created. It is shown only this once:\n');
    console.log(`    ${token}\n`);
  }
}
