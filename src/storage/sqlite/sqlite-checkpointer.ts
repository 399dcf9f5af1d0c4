/**
 * WAL checkpoints off the event loop. better-sqlite3 is synchronous, so an automatic checkpoint
 * (copy the WAL into the database and fsync it) runs inside whichever `COMMIT` crosses the
 * threshold and stalls every request queued behind it. A worker thread with its own connection runs
 * a PASSIVE checkpoint every second instead (it never blocks writers); the main connection's
 * automatic threshold stays as a high safety net should the worker stop.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Driver = require(workerData.driverPath);
const db = new Driver(workerData.file);
db.pragma('busy_timeout = 1000');
const checkpoint = (mode) => { try { db.pragma('wal_checkpoint(' + mode + ')'); } catch {} };
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint('PASSIVE');
  db.close();
  parentPort.postMessage('stopped');
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts the checkpoint worker for the database file. Default interval 1000 ms. */
export function startCheckpointer(file: string, intervalMs = 1000): Checkpointer {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driverPath } });
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => resolve();
        worker.once('message', done);
        worker.once('exit', done);
        worker.once('error', done);
        worker.postMessage('stop');
      }),
  };
}
