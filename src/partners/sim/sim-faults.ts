/**
 * The simulator's misbehaviours (PARTNER-PROTOCOL.md "Reference provider server"): each one is
 * a failure the DCS's partner runner must turn into an outcome without hurting the page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimFault } from './sim-options.js';

/** Size of the `huge` body: far past the 64 KiB default body cap. */
export const HUGE_BODY_BYTES = 4 * 1024 * 1024;
/** `trickle` sends one byte of a valid answer per this many ms. */
export const TRICKLE_INTERVAL_MS = 50;

/** Timers a fault leaves running, so `close()` can stop them. */
export type TimerSet = Set<NodeJS.Timeout>;

/**
 * Misbehaves on one request. `answer` is the JSON the call would have got, used where a fault
 * needs a body that is valid yet delivered wrongly (`trickle`, `huge`).
 */
export function applyFault(
  fault: SimFault,
  req: IncomingMessage,
  res: ServerResponse,
  answer: string,
  timers: TimerSet,
): void {
  switch (fault) {
    case 'hang':
      // Never answer; the socket stays open until the client gives up or the sim closes.
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case '500':
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"simulated failure"}');
      return;
    case 'garbage':
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('<html><body>502 Bad Gateway</body></html>');
      return;
    case 'huge': {
      // Valid JSON, so only the body cap (not the parser) can catch it.
      const head = '{"segments":["A1"],"padding":"';
      const pad = 'x'.repeat(HUGE_BODY_BYTES - head.length - 2);
      const body = `${head}${pad}"}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'trickle':
      trickle(res, answer, timers);
      return;
    case 'redirect':
      // To itself: a client that followed redirects would loop; the DCS must not follow them.
      res.writeHead(302, { location: req.url ?? '/' }).end();
      return;
  }
}

function trickle(res: ServerResponse, body: string, timers: TimerSet): void {
  const bytes = Buffer.from(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= bytes.length) {
      stop();
      if (!res.destroyed) res.end();
      return;
    }
    res.write(bytes.subarray(sent, sent + 1));
    sent++;
  }, TRICKLE_INTERVAL_MS);
  const stop = (): void => {
    clearInterval(timer);
    timers.delete(timer);
  };
  timers.add(timer);
  res.on('close', stop);
}
