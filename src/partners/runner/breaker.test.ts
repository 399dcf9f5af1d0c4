import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PartnerBreakers, type BreakerSettings } from './breaker.js';
import type { Call, CallRequest, CallResult } from './call.js';

const SETTINGS: BreakerSettings = {
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  windowMs: 10_000,
  resetMs: 1_000,
  consecutiveFailures: 0,
  consecutiveSpanMs: 0,
};

const req = (over: Partial<CallRequest> = {}): CallRequest => ({
  partner: 'p1',
  request: { method: 'GET', url: 'http://127.0.0.1:1/x', headers: {} },
  requestId: 'r1',
  tmaxMs: 80,
  hardTimeoutMs: 1_080,
  ...over,
});
const answered = (ms: number): CallResult => ({
  ok: true,
  response: { status: 200, headers: {}, body: '{}' },
  ms,
});
const failed: CallResult = { ok: false, cause: 'reset', ms: 1 };

describe('partner breakers', () => {
  let breakers: PartnerBreakers;
  let next: CallResult = answered(5);
  /** With `hold`, a call waits until the test calls `answer`. */
  let hold = false;
  let answer: (r: CallResult) => void = () => {};
  const base: Call = () => (hold ? new Promise((resolve) => (answer = resolve)) : Promise.resolve(next));
  let call: Call;

  beforeEach(() => {
    vi.useFakeTimers();
    hold = false;
    breakers = new PartnerBreakers(() => SETTINGS);
    call = breakers.wrapper()(base);
  });
  afterEach(() => {
    breakers.shutdown();
    vi.useRealTimers();
  });

  async function fire(result: CallResult, times = 1, over: Partial<CallRequest> = {}) {
    next = result;
    for (let i = 0; i < times; i++) await call(req(over));
  }

  it('opens on failures over the threshold and skips the partner until half-open', async () => {
    await fire(failed, 4);
    expect(breakers.isOpen('p1')).toBe(true);
    expect(await call(req())).toMatchObject({ ok: false, cause: 'breaker-open' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breakers.isOpen('p1')).toBe(false); // half-open: the planner lets a trial through
  });

  it('lets one trial call through when half-open, and skips the partner while it is in flight', async () => {
    await fire(failed, 4);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breakers.isOpen('p1')).toBe(false); // half-open: the planner lets a call through
    hold = true;

    const first = call(req());
    expect(breakers.isOpen('p1')).toBe(true); // the trial is in flight: skip
    expect(await call(req())).toMatchObject({ ok: false, cause: 'breaker-open' });
    answer(failed);
    expect(await first).toMatchObject({ ok: false, cause: 'reset' });
    expect(breakers.isOpen('p1')).toBe(true); // the trial failed: open for another resetMs

    await vi.advanceTimersByTimeAsync(1_000);
    const second = call(req());
    answer(answered(5));
    expect(await second).toMatchObject({ ok: true });
    expect(breakers.isOpen('p1')).toBe(false); // closed
    hold = false;
    await fire(answered(5), 3);
    expect(breakers.isOpen('p1')).toBe(false);
  });

  it('starts a fresh window when a trial closes it: the failures that opened it no longer count', async () => {
    await fire(failed, 4);
    await vi.advanceTimersByTimeAsync(1_000);
    await fire(answered(5)); // the trial succeeds: closed
    // Within the same 10 s window: with the old failures still counted (4 of 6), these two would
    // open it again at once.
    await fire(failed, 2);
    expect(breakers.isOpen('p1')).toBe(false);
    await fire(failed, 2); // 4 of the new window's 5 calls failed
    expect(breakers.isOpen('p1')).toBe(true);
  });

  it('forgets calls older than its window', async () => {
    await fire(failed, 3);
    await fire(answered(5), 3);
    await vi.advanceTimersByTimeAsync(11_000);
    await fire(failed, 3); // 3 calls in the window: under the volume threshold
    expect(breakers.isOpen('p1')).toBe(false);
  });

  it('counts a slow answer only if the collector gave up on it', async () => {
    // Over tmax, but taken in time: the time held a stall of the DCS's own event loop.
    await fire(answered(500), 4, { watch: { missed: false, onMissedTmax: undefined } });
    expect(breakers.isOpen('p1')).toBe(false);
    // Over tmax and given up on (a late answer), or over tmax with no collector: failures.
    await fire(answered(500), 3, { watch: { missed: true, onMissedTmax: undefined } });
    await fire(answered(500), 2);
    expect(breakers.isOpen('p1')).toBe(true);
  });

  it('does not count an answer the collector gave up on within tmax (the event budget was shorter)', async () => {
    await fire(answered(60), 6, { watch: { missed: true, onMissedTmax: undefined } });
    expect(breakers.isOpen('p1')).toBe(false);
  });

  describe('failures in a row', () => {
    const withRun = (consecutiveFailures: number, consecutiveSpanMs = 0) => {
      breakers.shutdown();
      breakers = new PartnerBreakers(() => ({ ...SETTINGS, consecutiveFailures, consecutiveSpanMs }));
      call = breakers.wrapper()(base);
    };

    it('open the breaker whatever the window holds: a busy partner that starts to hang', async () => {
      withRun(5);
      await fire(answered(5), 40);
      await fire(failed, 4);
      expect(breakers.isOpen('p1')).toBe(false); // 4 of 44: far under 50 %
      await fire(failed);
      expect(breakers.isOpen('p1')).toBe(true);
    });

    it('open only once they span consecutiveSpanMs: a brief stall of a busy partner does not', async () => {
      withRun(5, 250);
      await fire(answered(5), 40);
      await fire(failed, 10); // ten in a row, all at once
      expect(breakers.isOpen('p1')).toBe(false);
      await vi.advanceTimersByTimeAsync(249);
      await fire(failed);
      expect(breakers.isOpen('p1')).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await fire(failed);
      expect(breakers.isOpen('p1')).toBe(true);
    });

    it('measure the span from the first failure after a success', async () => {
      withRun(5, 250);
      await fire(answered(5), 40);
      await fire(failed, 5);
      await vi.advanceTimersByTimeAsync(200);
      await fire(answered(5)); // the stall is over
      await vi.advanceTimersByTimeAsync(100);
      await fire(failed, 5); // 300 ms after the first run's start, but a new run
      expect(breakers.isOpen('p1')).toBe(false);
      await vi.advanceTimersByTimeAsync(250);
      await fire(failed);
      expect(breakers.isOpen('p1')).toBe(true);
    });

    it('start over at a success', async () => {
      withRun(5);
      await fire(answered(5), 40);
      await fire(failed, 4);
      await fire(answered(5));
      await fire(failed, 4);
      expect(breakers.isOpen('p1')).toBe(false);
    });

    it('start over when a trial closes the breaker', async () => {
      withRun(5);
      await fire(answered(5), 40);
      await fire(failed, 5);
      expect(breakers.isOpen('p1')).toBe(true);
      await vi.advanceTimersByTimeAsync(1_000);
      await fire(answered(5)); // the trial: closed, with an empty window
      await fire(answered(5), 10);
      await fire(failed, 4);
      expect(breakers.isOpen('p1')).toBe(false);
    });

    it('are not counted with 0', async () => {
      withRun(0);
      await fire(answered(5), 40);
      await fire(failed, 30);
      expect(breakers.isOpen('p1')).toBe(false); // 30 of 70
    });
  });
});
