import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type CallRequest } from './call.js';
import { createUndiciTransport } from './undici-transport.js';
import { withSigning } from './wrappers.js';

let server: Server;
let base = '';
const seen: Array<Record<string, string | string[] | undefined>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const path = req.url ?? '/';
    if (path === '/ok') return void res.end('{"segments":["A1"]}');
    if (path === '/gzip') {
      res.setHeader('content-encoding', 'gzip');
      return void res.end(gzipSync('{"segments":["Z9"]}'));
    }
    if (path === '/huge') return void res.end('x'.repeat(200_000));
    if (path === '/reset') return void req.socket.destroy();
    if (path === '/headers') {
      res.setHeader('X-Multi', ['a', 'b']);
      res.setHeader('Cache-Control', 'max-age=60');
      return void res.end('{}');
    }
    if (path === '/hang') return; // never answers
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const transport = createUndiciTransport({ bodyCapBytes: 64 * 1024 });
afterAll(() => transport.close());
const call = compose(
  transport.call,
  withSigning(() => 1700000000000),
);

const req = (path: string, over: Partial<CallRequest> = {}): CallRequest => ({
  partner: 'p1',
  request: {
    method: 'POST',
    url: base + path,
    headers: { 'content-type': 'application/json' },
    body: '{"v":1}',
  },
  requestId: 'req-1',
  tmaxMs: 80,
  hardTimeoutMs: 200,
  ...over,
});

describe('undici transport with wrappers', () => {
  it('returns the response, signs the request and sends the request id and timestamp', async () => {
    const r = await call(req('/ok', { secrets: ['s3cret'] }), new AbortController().signal);
    expect(r).toMatchObject({ ok: true, response: { status: 200, body: '{"segments":["A1"]}' } });
    const h = seen.at(-1)!;
    expect(h['x-audex-request-id']).toBe('req-1');
    expect(h['x-audex-timestamp']).toBe('1700000000000');
    expect(h['x-audex-signature']).toMatch(/^v1=[A-Za-z0-9+/=]+$/);
    expect(h['accept-encoding']).toBe('gzip');
  });

  it('decompresses gzip bodies', async () => {
    const r = await call(req('/gzip'), new AbortController().signal);
    expect(r).toMatchObject({ ok: true, response: { body: '{"segments":["Z9"]}' } });
  });

  it('aborts bodies over the cap', async () => {
    expect(await call(req('/huge'), new AbortController().signal)).toMatchObject({
      ok: false,
      cause: 'body-too-large',
    });
  });

  it('reports a reset connection and a hung one (hard deadline) as failures, never throwing', async () => {
    expect(await call(req('/reset'), new AbortController().signal)).toMatchObject({ ok: false });
    expect(await call(req('/hang', { hardTimeoutMs: 50 }), new AbortController().signal)).toMatchObject({
      ok: false,
      cause: 'timeout',
    });
  });

  it('enforces the hard deadline without any wrapper, and honours an outer abort', async () => {
    expect(await transport.call(req('/hang', { hardTimeoutMs: 30 }))).toMatchObject({
      ok: false,
      cause: 'timeout',
    });
    const outer = new AbortController();
    const aborted = transport.call(req('/hang', { hardTimeoutMs: 5_000 }), outer.signal);
    outer.abort();
    expect(await aborted).toMatchObject({ ok: false, cause: 'aborted' });
    const pre = new AbortController();
    pre.abort('timeout');
    expect(await transport.call(req('/ok'), pre.signal)).toMatchObject({ ok: false, cause: 'timeout' });
  });

  it('settles a call queued behind a busy connection at its own hard deadline', async () => {
    const one = createUndiciTransport({ connectionsPerOrigin: 1 });
    try {
      const hung = one.call(req('/hang', { hardTimeoutMs: 300 }));
      const queued = one.call(req('/ok', { hardTimeoutMs: 30 }));
      expect(await queued).toMatchObject({ ok: false, cause: 'timeout' });
      expect(await hung).toMatchObject({ ok: false, cause: 'timeout' });
      // The connection recovers: the next call is answered.
      expect(await one.call(req('/ok'))).toMatchObject({ ok: true, response: { status: 200 } });
    } finally {
      await one.close();
    }
  });

  it('lower-cases header names and joins repeated headers', async () => {
    const r = await call(req('/headers'), new AbortController().signal);
    expect(r).toMatchObject({
      ok: true,
      response: { headers: { 'x-multi': 'a, b', 'cache-control': 'max-age=60' } },
    });
  });

  it('reports an unreachable partner as a network failure', async () => {
    const r = await call(
      req('/ok', { request: { method: 'GET', url: 'http://127.0.0.1:1/x', headers: {} } }),
      new AbortController().signal,
    );
    expect(r).toMatchObject({ ok: false, cause: 'network' });
  });
});
