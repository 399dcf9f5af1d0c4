/**
 * Each misbehaviour, as the DCS's HTTP client sees it. No timing assertions: `hang` is shown by
 * a client-side abort winning, `trickle` by the body arriving in many pieces.
 */
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../registry.js';
import { BASE_INPUT } from '../adapter-fixtures.js';
import { HUGE_BODY_BYTES } from './sim-faults.js';
import { startPartnerSim, type PartnerSim, type PartnerSimOptions } from './partner-sim.js';

const sims: PartnerSim[] = [];
afterAll(() => Promise.all(sims.map((s) => s.close())));

async function simWith(opts: PartnerSimOptions): Promise<PartnerSim> {
  const sim = await startPartnerSim({ segments: ['A1'], ttl: 1, ...opts });
  sims.push(sim);
  return sim;
}

const post = (sim: PartnerSim, signal?: AbortSignal) =>
  request(`${sim.url}/v1/segments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"v":1,"user":{}}',
    ...(signal !== undefined && { signal }),
  });

describe('partner sim faults', () => {
  it('hang: no answer arrives before the client aborts', async () => {
    const sim = await simWith({ fault: 'hang' });
    const controller = new AbortController();
    const pending = post(sim, controller.signal).then(
      () => 'answered',
      (err: unknown) => (err instanceof Error ? err.name : 'error'),
    );
    // Let the request reach the server before giving up on it.
    await expect.poll(() => sim.stats().faults).toBe(1);
    controller.abort();
    expect(await pending).toBe('AbortError');
  });

  it('hang: close() still returns while a connection hangs', async () => {
    const sim = await startPartnerSim({ fault: 'hang' });
    const pending = post(sim).catch((err: unknown) => err);
    await expect.poll(() => sim.stats().faults).toBe(1);
    await sim.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('reset: the connection is destroyed', async () => {
    const sim = await simWith({ fault: 'reset' });
    await expect(post(sim)).rejects.toThrow();
  });

  it('500: an error status', async () => {
    const sim = await simWith({ fault: '500' });
    const res = await post(sim);
    expect(res.statusCode).toBe(500);
    await res.body.dump();
  });

  it('garbage: 200 with a body the adapter calls malformed', async () => {
    const sim = await simWith({ fault: 'garbage' });
    const res = await post(sim);
    const body = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(ADAPTERS.audex.parseResponse({ status: 200, headers: {}, body }, BASE_INPUT, {})).toEqual({
      kind: 'invalid',
      reason: 'malformed JSON',
    });
  });

  it('huge: 200 with a multi-megabyte, valid JSON body', async () => {
    const sim = await simWith({ fault: 'huge' });
    const res = await post(sim);
    const body = await res.body.text();
    expect(Buffer.byteLength(body)).toBe(HUGE_BODY_BYTES);
    expect(JSON.parse(body)).toMatchObject({ segments: ['A1'] });
  });

  it('trickle: the normal answer, one byte at a time', async () => {
    const sim = await simWith({ fault: 'trickle' });
    const res = await post(sim);
    let chunks = 0;
    let body = '';
    for await (const chunk of res.body) {
      chunks++;
      body += String(chunk);
    }
    expect(JSON.parse(body)).toEqual({ segments: ['A1'], ttl: 1 });
    expect(chunks).toBeGreaterThan(5);
  });

  it('redirect: 302 to itself', async () => {
    const sim = await simWith({ fault: 'redirect' });
    const res = await request(`${sim.url}/v1/segments?uid=p-1`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/v1/segments?uid=p-1');
    await res.body.dump();
  });

  it('faults and errors apply only at their rates', async () => {
    const never = await simWith({ fault: 'reset', faultRate: 0 });
    expect((await post(never)).statusCode).toBe(200);
    const always = await simWith({ errorRate: 1, seed: 1 });
    const res = await post(always);
    expect(res.statusCode).toBe(500);
    await res.body.dump();
    expect(always.stats().errors).toBe(1);
  });

  it('latency: still answers (how long is not asserted)', async () => {
    const sim = await simWith({ latencyMs: 5, latencyJitter: 5, seed: 3 });
    const res = await post(sim);
    expect(await res.body.json()).toEqual({ segments: ['A1'], ttl: 1 });
  });

  it('faults never touch /stats or /sync', async () => {
    const sim = await simWith({ fault: 'reset' });
    const res = await request(`${sim.url}/stats`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('refuses bad options', async () => {
    await expect(startPartnerSim({ errorRate: 2 })).rejects.toThrow(/error rate/);
  });
});
