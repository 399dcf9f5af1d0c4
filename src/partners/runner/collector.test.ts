import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Call, CallResult } from './call.js';
import { PartnerBreakers } from './breaker.js';
import { collect, type CallPlan, type Settlement } from './collector.js';
import { OPEN_AT_FIRST_FAILURE, callInput, csvAdapter as adapter } from './collector-test-kit.js';

const input = callInput(80);

function plan(key: string, tmaxMs = 80): CallPlan {
  return { key, adapter, params: {}, endpoint: 'http://x', input, tmaxMs, lateWindowMs: 1000 };
}

/** A fake call answering each partner after a scripted delay with a scripted result. */
function scripted(script: Record<string, { after: number; result: CallResult }>): Call {
  return (req) =>
    new Promise((resolve) =>
      setTimeout(() => resolve(script[req.partner]!.result), script[req.partner]!.after),
    );
}
const ok = (body: string, status = 200): CallResult => ({
  ok: true,
  response: { status, headers: {}, body },
  ms: 1,
});

describe('collect', () => {
  // setImmediate stays real: the collector judges a soft deadline in an immediate after the
  // timer (after one poll for answers), and the real one runs as soon as the test awaits.
  beforeEach(() =>
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    }),
  );
  afterEach(() => vi.useRealTimers());

  it('settles every partner exactly once: answered, invalid, failed, timeout', async () => {
    const late: Array<[string, Settlement]> = [];
    const call = scripted({
      fast: { after: 5, result: ok('A1,B7') },
      bad: { after: 5, result: ok('', 500) },
      reset: { after: 5, result: { ok: false, cause: 'reset', ms: 5 } },
      slow: { after: 300, result: ok('S1') },
    });
    const done = collect(call, [plan('fast'), plan('bad'), plan('reset'), plan('slow')], 100, (p, s) =>
      late.push([p.key, s]),
    );
    await vi.advanceTimersByTimeAsync(80);
    const settled = await done;
    expect(settled.map((s) => s.status)).toEqual(['answered', 'invalid', 'failed', 'timeout']);
    expect(settled[0]).toMatchObject({ answer: { kind: 'segments', codes: ['A1', 'B7'] } });
    expect(late).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(late).toEqual([['slow', expect.objectContaining({ status: 'answered' })]]);
  });

  it('never waits past the event budget even when tmax is larger', async () => {
    const call = scripted({ slow: { after: 10_000, result: ok('X') } });
    let resolved = false;
    const done = collect(call, [plan('slow', 500)], 50, () => {}).then((s) => {
      resolved = true;
      return s;
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await done)[0]?.status).toBe('timeout');
  });

  it('resolves at once when every call answers early', async () => {
    const call = scripted({ a: { after: 1, result: ok('A') }, b: { after: 2, result: ok('B') } });
    const done = collect(call, [plan('a'), plan('b')], 100, () => {});
    await vi.advanceTimersByTimeAsync(2);
    expect((await done).map((s) => s.status)).toEqual(['answered', 'answered']);
  });

  it('settles each call at its own soft deadline when tmax differs', async () => {
    const call = scripted({
      short: { after: 10_000, result: ok('S') },
      long: { after: 10_000, result: ok('L') },
    });
    let resolved = false;
    const done = collect(call, [plan('short', 30), plan('long', 60)], 100, () => {}).then((s) => {
      resolved = true;
      return s;
    });
    await vi.advanceTimersByTimeAsync(30);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(30);
    const settled = await done;
    expect(settled.map((s) => s.status)).toEqual(['timeout', 'timeout']);
  });

  it('turns an adapter that throws into a failure, not a crash', async () => {
    const throwing = {
      ...adapter,
      buildRequest: () => {
        throw new Error('boom');
      },
    };
    const settled = await collect(scripted({}), [{ ...plan('t'), adapter: throwing }], 100, () => {});
    expect(settled[0]).toMatchObject({ status: 'failed', reason: 'build: boom' });
  });

  describe('with a breaker under it', () => {
    const breakers = () => new PartnerBreakers(() => OPEN_AT_FIRST_FAILURE);

    it('counts a partner that missed its tmax at once, and still stores its late answer', async () => {
      const b = breakers();
      const late: string[] = [];
      const call = b.wrapper()(scripted({ slow: { after: 500, result: ok('S1') } }));
      const done = collect(call, [plan('slow')], 100, (p, s) => late.push(`${p.key}:${s.status}`));
      await vi.advanceTimersByTimeAsync(80);
      expect((await done)[0]?.status).toBe('timeout');
      // Not when the call ends at its hard deadline (here at 500 ms): now.
      expect(b.isOpen('slow')).toBe(true);
      await vi.advanceTimersByTimeAsync(500);
      expect(late).toEqual(['slow:answered']);
      b.shutdown();
    });

    it('does not count a call cut short by the event budget, under its tmax', async () => {
      const b = breakers();
      const late: string[] = [];
      const call = b.wrapper()(scripted({ p: { after: 60, result: { ...ok('P1'), ms: 60 } } }));
      const done = collect(call, [plan('p', 80)], 50, (q, s) => late.push(`${q.key}:${s.status}`));
      await vi.advanceTimersByTimeAsync(50);
      expect((await done)[0]?.status).toBe('timeout');
      await vi.advanceTimersByTimeAsync(20);
      expect(late).toEqual(['p:answered']);
      expect(b.isOpen('p')).toBe(false);
      b.shutdown();
    });
  });
});
