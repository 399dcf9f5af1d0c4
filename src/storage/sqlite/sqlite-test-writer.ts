/**
 * Test helper: a second writer on the same database file running in a worker thread, so it truly
 * contends for SQLite's write lock while the main thread merges (what a second cluster worker
 * does). It follows the adapter's protocol: the profile codec for the stored bytes, and every
 * write bumps the row's `rev`; here as a read-modify-write inside BEGIN IMMEDIATE.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';

export interface ConcurrentWriterOptions {
  file: string;
  visitorId: string;
  /** How many +1 increments of trait 1's count to commit, one transaction each. */
  increments: number;
}

// Plain JS evaluated in the worker: no TypeScript loader is available inside worker threads.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Driver = require('node:module').createRequire(workerData.base)('better-sqlite3');
const db = new Driver(workerData.file);
db.pragma('busy_timeout = 20000');
const codec = { exports: {} };
new Function('module', 'exports', 'require', workerData.codecJs)(codec, codec.exports, require);
const read = db.prepare('SELECT json FROM profiles WHERE visitor_id = ?').pluck();
const write = db.prepare('UPDATE profiles SET json = ?, rev = rev + 1 WHERE visitor_id = ?');
const bump = db.transaction(() => {
  const profile = codec.exports.decodeProfile(read.get(workerData.visitorId));
  profile.traits.get(1).count += 1;
  write.run(codec.exports.encodeProfile(profile), workerData.visitorId);
});
const pause = new Int32Array(new SharedArrayBuffer(4));
parentPort.postMessage('started');
for (let i = 0; i < workerData.increments; i++) {
  bump.immediate();
  Atomics.wait(pause, 0, 0, 1); // let the other writer in between our transactions
}
db.close();
`;

/** Starts the writer; `started` resolves once it is about to write, `done` when it has finished. */
export function runConcurrentWriter(opts: ConcurrentWriterOptions): {
  started: Promise<void>;
  done: Promise<void>;
} {
  // The codec is TypeScript; the worker gets it transpiled (its imports are types only).
  const codecSource = readFileSync(new URL('../../profiles/profile-codec.ts', import.meta.url), 'utf8');
  const codecJs = ts.transpileModule(codecSource, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ...opts, base: import.meta.url, codecJs },
  });
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
  return { started, done };
}

const LOCK_HOLDER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Driver = require('node:module').createRequire(workerData.base)('better-sqlite3');
const db = new Driver(workerData.file);
db.prepare('BEGIN IMMEDIATE').run();
parentPort.postMessage('held');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
db.prepare('COMMIT').run();
db.close();
`;

/**
 * Holds the database's write lock from another thread for `ms` (an open `BEGIN IMMEDIATE`), as a
 * second process's long transaction would: `held` resolves once it has it, `done` after it let go.
 */
export function holdWriteLock(file: string, ms: number): { held: Promise<void>; done: Promise<void> } {
  const worker = new Worker(LOCK_HOLDER_SOURCE, {
    eval: true,
    workerData: { file, ms, base: import.meta.url },
  });
  const held = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`lock holder exited with ${code}`)),
    );
  });
  return { held, done };
}
