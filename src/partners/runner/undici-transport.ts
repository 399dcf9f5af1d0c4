/**
 * The base call: undici `Pool.request` with keep-alive pools per origin (5–9× cheaper than fetch,
 * reference/measurements.md §3), gzip accepted, the body read under a byte cap, redirects not
 * followed (a 3xx reaches the adapter, which treats it as a failure).
 */
import { gunzipSync } from 'node:zlib';
import { Pool } from 'undici';
import type { Call, CallResult } from './call.js';

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

export function createUndiciTransport(opts: TransportOptions = {}): Transport {
  const cap = opts.bodyCapBytes ?? 64 * 1024;
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: opts.connectionsPerOrigin ?? 64, keepAliveTimeout: 30_000 });
      pools.set(origin, pool);
    }
    return pool;
  };

  const call: Call = async (req, signal) => {
    const t0 = performance.now();
    const elapsed = () => performance.now() - t0;
    let url: URL;
    try {
      url = new URL(req.request.url);
    } catch {
      return { ok: false, cause: 'network', detail: 'invalid URL', ms: 0 };
    }
    try {
      const res = await poolFor(url.origin).request({
        method: req.request.method,
        path: url.pathname + url.search,
        headers: { 'accept-encoding': 'gzip', ...req.request.headers },
        ...(req.request.body !== undefined ? { body: req.request.body } : {}),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > cap) {
          res.body.destroy();
          return { ok: false, cause: 'body-too-large', detail: `over ${cap} bytes`, ms: elapsed() };
        }
        chunks.push(chunk as Buffer);
      }
      let raw = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      if (headers['content-encoding'] === 'gzip') {
        try {
          raw = gunzipSync(raw, { maxOutputLength: cap });
        } catch {
          return { ok: false, cause: 'bad-encoding', detail: 'gzip', ms: elapsed() };
        }
      }
      return {
        ok: true,
        response: { status: res.statusCode, headers, body: raw.toString('utf8') },
        ms: elapsed(),
      };
    } catch (err) {
      return failure(err, signal, elapsed());
    }
  };

  return {
    call,
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      pools.clear();
    },
  };
}

function failure(err: unknown, signal: AbortSignal, ms: number): CallResult {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const cause = reason === 'timeout' ? 'timeout' : 'aborted';
    return { ok: false, cause, ms };
  }
  const code = (err as { code?: string }).code ?? '';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    return { ok: false, cause: 'reset', detail: code, ms };
  return { ok: false, cause: 'network', detail: code || (err as Error).message, ms };
}
