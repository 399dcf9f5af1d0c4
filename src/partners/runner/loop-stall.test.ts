/**
 * A stall of the DCS's own event loop (a long task, a GC pause, the process waiting for a CPU) must
 * not turn answers that arrived in time into timeouts, nor count against the partner's breaker.
 * The provider runs in a worker thread, so it answers while this thread's loop is blocked; the
 * answers then wait unread in their sockets when the deadline timers come due.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerBreakers } from './breaker.js';
import { compose } from './call.js';
import { collect, type CallPlan } from './collector.js';
import { OPEN_AT_FIRST_FAILURE, callInput, csvAdapter as adapter } from './collector-test-kit.js';
import { createUndiciTransport } from './undici-transport.js';

/**
 * Two providers on two ports, in a worker thread. They answer 30 ms after a request arrives;
 * `counts[0]` counts the requests received, `counts[1]` the answers written.
 */
const PROVIDER = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const servers = [0, 1].map(() => createServer((req, res) => {
  req.resume();
  Atomics.add(workerData, 0, 1);
  if (req.url === '/hang') return;
  setTimeout(() => res.end('A1,B2', () => Atomics.add(workerData, 1, 1)), 30);
}));
let listening = 0;
const ports = [];
for (const s of servers) s.listen(0, '127.0.0.1', () => {
  ports.push(s.address().port);
  if (++listening === 2) parentPort.postMessage(ports);
});
parentPort.on('message', () => {
  for (const s of servers) s.closeAllConnections();
  Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => parentPort.close());
});
`;

let provider: Worker;
const counts = new Int32Array(new SharedArrayBuffer(8));
const urls: string[] = [];

beforeAll(async () => {
  provider = new Worker(PROVIDER, { eval: true, workerData: counts });
  const ports = await new Promise<number[]>((resolve) => provider.once('message', resolve));
  for (const port of ports) urls.push(`http://127.0.0.1:${port}/segments`);
});
afterAll(async () => {
  provider.postMessage('stop');
  await new Promise((r) => provider.once('exit', r));
});

const input = callInput(40);
const plan = (key: string, endpoint: string, tmaxMs = 40): CallPlan => ({
  key,
  adapter,
  params: {},
  endpoint,
  input,
  tmaxMs,
  lateWindowMs: 60,
});

/**
 * Once the providers have received `requests` more requests, blocks this thread's event loop (what a
 * long task, a GC pause or a wait for a CPU does) until they have written `answers` more answers and
 * `ms` have passed: the answers are in the sockets, and the deadlines came due, while nothing here
 * could run.
 */
function stallOnceSent(requests: number, answers: number, ms: number): Promise<void> {
  const [received, answered] = [Atomics.load(counts, 0) + requests, Atomics.load(counts, 1) + answers];
  return new Promise((resolve) => {
    const poll = () => {
      if (Atomics.load(counts, 0) < received) return void setImmediate(poll);
      const from = performance.now();
      while (
        performance.now() - from < ms ||
        (Atomics.load(counts, 1) < answered && performance.now() - from < 5_000)
      ) {
        // busy
      }
      resolve();
    };
    poll();
  });
}

describe('a stall of our own event loop', () => {
  it('takes the answers that arrived during it, and the breaker does not count them as failures', async () => {
    const transport = createUndiciTransport();
    const breakers = new PartnerBreakers(() => OPEN_AT_FIRST_FAILURE);
    const call = compose(transport.call, breakers.wrapper());
    try {
      // Connections are open (the warm-up calls are answered), so the calls below are written at once.
      const plans = [plan('p1', urls[0]!), plan('p2', urls[1]!)];
      const warm = await collect(
        call,
        [plan('p1', urls[0]!, 500), plan('p2', urls[1]!, 500)],
        1_000,
        () => {},
      );
      expect(warm.map((s) => s.status)).toEqual(['answered', 'answered']);

      const late: string[] = [];
      const stalled = stallOnceSent(2, 2, 250);
      const done = collect(call, plans, 1_000, (p, s) => late.push(`${p.key}:${s.status}`));
      // Past both the soft deadline (tmax 40 ms) and the hard one (tmax + late window = 100 ms).
      await stalled;
      const settled = await done;

      expect(settled.map((s) => s.status)).toEqual(['answered', 'answered']);
      expect(settled[0]).toMatchObject({ answer: { kind: 'segments', codes: ['A1', 'B2'] } });
      expect(settled[0]!.ms).toBeGreaterThan(40); // taken in time although read after tmax
      expect(late).toEqual([]);
      expect(breakers.isOpen('p1')).toBe(false);
      expect(breakers.isOpen('p2')).toBe(false);
    } finally {
      breakers.shutdown();
      await transport.close();
    }
  });

  it('still times out a partner that had not answered, and counts that against it', async () => {
    const transport = createUndiciTransport();
    const breakers = new PartnerBreakers(() => OPEN_AT_FIRST_FAILURE);
    const call = compose(transport.call, breakers.wrapper());
    try {
      const hung = plan('mute', urls[1]!.replace('/segments', '/hang'));
      let hardDeadline: () => void = () => {};
      const gone = new Promise<void>((r) => (hardDeadline = r));
      const done = collect(call, [plan('p1', urls[0]!), hung], 1_000, (_p, s) => {
        if (s.status === 'timeout') hardDeadline();
      });
      await stallOnceSent(2, 1, 60);
      const settled = await done;
      expect(settled.map((s) => s.status)).toEqual(['answered', 'timeout']);
      await gone; // the transport's hard deadline (tmax + late window)
      await new Promise((r) => setImmediate(r)); // the breaker's verdict follows in a microtask chain
      expect(breakers.isOpen('mute')).toBe(true);
      expect(breakers.isOpen('p1')).toBe(false);
    } finally {
      breakers.shutdown();
      await transport.close();
    }
  });
});
