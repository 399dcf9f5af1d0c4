/**
 * The base call: undici with keep-alive pools per origin (5–9× cheaper than fetch,
 * reference/measurements.md §3), gzip accepted, the body read under a byte cap, redirects not
 * followed (a 3xx reaches the adapter, which treats it as a failure).
 *
 * One call is one `Pool.dispatch` with a small handler object rather than `Pool.request`: no
 * response stream, async iterator, `AbortSignal` or abort listener per call — they were most of a
 * call's CPU and allocation (docs/benchmarks.md "Real-time partners"). The hard deadline
 * (`req.hardTimeoutMs`: tmax + late window) is enforced here with one timer per call that calls the
 * request's own abort; an outer `signal` is honoured too unless it is {@link NEVER_ABORTED}. (One
 * sweep per transport over a set of calls in flight instead was measured and taken out: it saved
 * the timers, but the builds with it promoted ≈ 0.9 MB more per scavenge and had longer
 * scavenges; docs/benchmarks.md "Second pass".)
 */
import { gunzipSync } from 'node:zlib';
import { Pool } from 'undici';
import type { PartnerResponse } from '../adapter.js';
import { NEVER_ABORTED, type Call, type CallResult } from './call.js';

export interface TransportOptions {
  /** Max response body bytes (after decompression too). Default 64 KiB (PARTNER-PROTOCOL.md). */
  bodyCapBytes?: number;
  /** Connections per provider origin. Default 64. */
  connectionsPerOrigin?: number;
}

export interface Transport {
  call: Call;
  close(): Promise<void>;
}

/** Origin and path of an endpoint URL; parsed once per distinct URL string (bounded cache). */
interface Target {
  readonly origin: string;
  readonly path: string;
}
const TARGET_CACHE_MAX = 1024;

export function createUndiciTransport(opts: TransportOptions = {}): Transport {
  const cap = opts.bodyCapBytes ?? 64 * 1024;
  const pools = new Map<string, Pool>();
  const targets = new Map<string, Target | null>();
  const poolFor = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: opts.connectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
        // Every call has its own hard deadline here (CallHandler): undici's header and body
        // timeouts (300 s) would only add a timer per phase of every request.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      pools.set(origin, pool);
    }
    return pool;
  };
  const targetFor = (url: string): Target | null => {
    let t = targets.get(url);
    if (t !== undefined) return t;
    try {
      const u = new URL(url);
      t = { origin: u.origin, path: u.pathname + u.search };
    } catch {
      t = null;
    }
    // Templated GET URLs differ per visitor: keep the cache bounded.
    if (targets.size >= TARGET_CACHE_MAX) targets.clear();
    targets.set(url, t);
    return t;
  };

  const call: Call = (req, signal = NEVER_ABORTED) => {
    const target = targetFor(req.request.url);
    if (target === null)
      return Promise.resolve({ ok: false, cause: 'network', detail: 'invalid URL', ms: 0 });
    if (signal.aborted) return Promise.resolve(abortedBy(signal, 0));
    return new Promise<CallResult>((resolve) => {
      const handler = new CallHandler(resolve, cap, signal);
      handler.start(req.hardTimeoutMs);
      const headers = ['accept-encoding', 'gzip'];
      const given = req.request.headers;
      for (const name in given) headers.push(name, given[name]!);
      poolFor(target.origin).dispatch(
        {
          method: req.request.method,
          path: target.path,
          headers,
          body: req.request.body ?? null,
        },
        handler,
      );
    });
  };

  return {
    call,
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      pools.clear();
    },
  };
}

/**
 * One call's undici handler (the dispatcher's callback interface): collects the body under the cap
 * and settles the call's promise exactly once — answer, failure, hard deadline or outer abort.
 */
class CallHandler {
  readonly #resolve: (r: CallResult) => void;
  readonly #cap: number;
  readonly #signal: AbortSignal;
  readonly #t0 = performance.now();
  #abort: ((reason?: Error) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onAbort: (() => void) | undefined;
  #done = false;
  #status = 0;
  #rawHeaders: Buffer[] | undefined;
  #chunks: Buffer[] | undefined;
  #size = 0;

  constructor(resolve: (r: CallResult) => void, cap: number, signal: AbortSignal) {
    this.#resolve = resolve;
    this.#cap = cap;
    this.#signal = signal;
  }

  start(hardTimeoutMs: number): void {
    // The verdict waits for one poll (setImmediate runs after it), as the collector's does: after a
    // stall of our own event loop, an answer already in the socket is read rather than thrown away.
    this.#timer = setTimeout(() => setImmediate(expire, this), hardTimeoutMs);
    if (this.#signal !== NEVER_ABORTED) {
      this.#onAbort = () => this.#fail(abortedBy(this.#signal, this.#ms()));
      this.#signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  // --- undici's dispatch handler interface ---

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    // Settled (deadline) while queued for a connection: drop the request now.
    if (this.#done) abort(new Error('partner call settled before it was sent'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the real answer follows
    this.#status = statusCode;
    this.#rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#done) return false;
    this.#size += chunk.length;
    if (this.#size > this.#cap) {
      this.#fail({ ok: false, cause: 'body-too-large', detail: `over ${this.#cap} bytes`, ms: this.#ms() });
      return false;
    }
    (this.#chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.#done) return;
    const rawHeaders = this.#rawHeaders ?? [];
    const chunks = this.#chunks ?? [];
    let raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
    if (headerValue(rawHeaders, 'content-encoding') === 'gzip') {
      try {
        raw = gunzipSync(raw, { maxOutputLength: this.#cap });
      } catch {
        return this.#settle({ ok: false, cause: 'bad-encoding', detail: 'gzip', ms: this.#ms() });
      }
    }
    this.#settle({
      ok: true,
      response: new UndiciResponse(this.#status, rawHeaders, raw.toString('utf8')),
      ms: this.#ms(),
    });
  }

  onError(err: Error): void {
    if (this.#done) return;
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
      return this.#settle({ ok: false, cause: 'reset', detail: code, ms: this.#ms() });
    this.#settle({ ok: false, cause: 'network', detail: code || err.message, ms: this.#ms() });
  }

  // ---

  /** The hard deadline passed (and the socket was read once more): the call times out. */
  expire(): void {
    this.#fail({ ok: false, cause: 'timeout', ms: this.#ms() });
  }

  #ms(): number {
    return performance.now() - this.#t0;
  }

  /** Settles and, if the request is still running, aborts it (the connection is not reused). */
  #fail(result: CallResult): void {
    if (this.#done) return;
    this.#settle(result);
    this.#abort?.(new Error(`partner call ${result.ok ? 'done' : result.cause}`));
  }

  #settle(result: CallResult): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#chunks = undefined;
    this.#resolve(result);
  }
}

function expire(handler: CallHandler): void {
  handler.expire();
}

function abortedBy(signal: AbortSignal, ms: number): CallResult {
  return { ok: false, cause: signal.reason === 'timeout' ? 'timeout' : 'aborted', ms };
}

/**
 * A response whose header record is decoded only if someone reads it: most answers carry their TTL
 * in the body, and decoding every header name and value of every answer was a good part of a
 * call's allocation. The record is built once, on first read.
 */
class UndiciResponse implements PartnerResponse {
  #raw: readonly Buffer[] | undefined;
  #headers: Record<string, string> | undefined;

  constructor(
    readonly status: number,
    raw: readonly Buffer[],
    readonly body: string,
  ) {
    this.#raw = raw;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      this.#headers = headerRecord(this.#raw ?? []);
      this.#raw = undefined;
    }
    return this.#headers;
  }

  /** Plain data in logs and snapshots, as the record it stands for. */
  toJSON(): PartnerResponse {
    return { status: this.status, headers: this.headers, body: this.body };
  }
}

/** The value of one header (lower-case `name`), repeated ones joined with `, `; decodes only that header. */
function headerValue(raw: readonly Buffer[], name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!sameName(raw[i]!, name)) continue;
    const value = raw[i + 1]!.toString('latin1');
    out = out === undefined ? value : `${out}, ${value}`;
  }
  return out;
}

/** ASCII case-insensitive comparison of a raw header name with a lower-case name, without decoding. */
function sameName(raw: Buffer, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Lower-case names (latin1, as undici and node:http decode them); repeated headers joined with `, `. */
function headerRecord(raw: readonly Buffer[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const prev = Object.hasOwn(out, name) ? out[name] : undefined;
    const joined = prev === undefined ? value : `${prev}, ${value}`;
    if (name === '__proto__')
      Object.defineProperty(out, name, { value: joined, enumerable: true, writable: true });
    else out[name] = joined;
  }
  return out;
}
