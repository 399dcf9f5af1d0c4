/**
 * Per-partner circuit breakers (opossum), per node: open at ≥ 50 % failures over ≥ 20 calls in a
 * 10 s window or at 20 failures in a row spanning at least 250 ms, half-open after 5 s
 * (PARTNER-PROTOCOL.md defaults, configurable per partner). A failure is a transport failure, a
 * 5xx, or an answer slower than the partner's tmax that the collector did not take in time (an
 * answer read late because our own event loop stalled is not the partner's fault: `CallWatch`). A
 * call the collector gives up on at tmax counts as failed then, not when it ends at its hard
 * deadline a late-answer window later: for a partner that hangs, the breaker opens after a few
 * dozen calls instead of a few hundred, and a failed trial is known in tmax. The caller still gets
 * the call's own result, a late answer included. While open, the planner skips the partner
 * ("skipped:breaker-open"); a call that still arrives here fails fast.
 *
 * Half-open lets one trial call through (opossum rejects the others until the trial settles).
 * While the trial is in flight the planner skips the partner ("skipped:breaker-open") instead of
 * planning calls the breaker would only reject; the trial's success closes the breaker, its failure
 * opens it for another `resetMs`.
 *
 * When a trial call closes the breaker, its rolling window starts empty, as Hystrix's and
 * resilience4j's do. opossum keeps the window across a close, so the failures that opened the
 * breaker would still be counted and the first few failures after it closed would open it again for
 * another `resetMs`. Each breaker's buckets are therefore rotated by this module (opossum's
 * `rotateBucketController`), which rotates all of them out on close.
 */
import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { NEVER_ABORTED, type Call, type CallRequest, type CallResult, type CallWrapper } from './call.js';
import type { PartnerMetrics } from './partner-metrics.js';

export interface BreakerSettings {
  /** Failure percentage that opens the breaker. Default 50. */
  errorThresholdPercentage: number;
  /** Minimum calls in the window before it may open. Default 20. */
  volumeThreshold: number;
  /** Rolling window, ms. Default 10 000. */
  windowMs: number;
  /** Time open before a trial call (half-open), ms. Default 5 000. */
  resetMs: number;
  /**
   * Consecutive failures that open the breaker whatever the window holds. Default 20; 0 turns it
   * off. The percentage over the window alone reacts slowly to a provider that was busy and healthy
   * and then hangs: its failures must first outnumber the window's successes.
   */
  consecutiveFailures: number;
  /**
   * How long the failures in a row must span (first to last, ms) before they open the breaker.
   * Default 250. A count alone scales with traffic: at 500 calls a second, 20 in a row are 40 ms of
   * failures, and a provider's brief stall (a GC pause of 100 ms) cut it off for `resetMs`; a
   * provider that hangs still fails on, and is cut off once its failures span this long.
   */
  consecutiveSpanMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = {
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  windowMs: 10_000,
  resetMs: 5_000,
  consecutiveFailures: 20,
  consecutiveSpanMs: 250,
};

/**
 * How a failed call reaches opossum (it counts rejections). Not an `Error`: capturing a stack trace
 * on every failure would cost more than the call's bookkeeping, and nobody reads it.
 */
class FailedCall {
  constructor(readonly result: CallResult) {}
}

const BREAKER_OPEN: CallResult = Object.freeze({ ok: false, cause: 'breaker-open', ms: 0 });

/** One call through a breaker: what to run, and the call's own promise once it started. */
interface Run {
  readonly call: Call;
  readonly req: CallRequest;
  readonly signal: AbortSignal;
  started: Promise<CallResult> | undefined;
}

/**
 * A rejected breaker call back to a value: the failed call's own result, or breaker-open. (A call
 * rejected at a missed tmax has no reason, but its caller gets the call's own result instead.)
 */
function unwrapFailure(err: unknown): CallResult {
  return err instanceof FailedCall ? err.result : BREAKER_OPEN;
}

export class PartnerBreakers {
  readonly #breakers = new Map<
    string,
    {
      settings: BreakerSettings;
      breaker: CircuitBreaker<[Run], CallResult>;
      rotation: NodeJS.Timeout;
    }
  >();

  constructor(
    private readonly settingsFor: (partner: string) => BreakerSettings,
    private readonly metrics?: PartnerMetrics,
  ) {}

  /**
   * True while the partner's breaker is open, or half-open with its trial call in flight (opossum
   * clears `pendingClose` when the trial fires): the planner skips the partner.
   */
  isOpen(partner: string): boolean {
    const b = this.#breakers.get(partner)?.breaker;
    return b !== undefined && (b.opened || (b.halfOpen && !b.pendingClose));
  }

  /**
   * The breaker as a call wrapper. Plain promise chains rather than `async` functions: an `await`
   * keeps a suspended frame and two extra promises per call, and this runs for every partner call.
   */
  wrapper(): CallWrapper {
    return (next: Call): Call =>
      (req, signal) => {
        const run: Run = { call: next, req, signal: signal ?? NEVER_ABORTED, started: undefined };
        // The caller gets the call's own result (a late answer included) once the breaker has
        // judged it; a call the breaker refused never started.
        return this.#breakerFor(req.partner)
          .fire(run)
          .catch(unwrapFailure)
          .then((verdict) => run.started ?? verdict);
      };
  }

  /** The partner's breaker; rebuilt (state reset) when its settings changed in the catalog. */
  #breakerFor(partner: string) {
    const s = this.settingsFor(partner);
    const entry = this.#breakers.get(partner);
    if (entry !== undefined && sameSettings(entry.settings, s)) return entry.breaker;
    if (entry !== undefined) stop(entry);
    const buckets = new EventEmitter();
    const breaker = new CircuitBreaker(
      (run: Run) =>
        new Promise<CallResult>((resolve, reject) => {
          const { req } = run;
          const started = run.call(req, run.signal);
          run.started = started;
          // opossum counts a call as failed only when it rejects: at once when the collector gives
          // up at tmax, else when the call ends. The watch gets `reject` itself, not a closure
          // around it: with a closure here, scavenges promoted ≈ 6× more (V8's allocation-site
          // pretenuring: with it off, the closure cost nothing), and scenario 1's p99 doubled
          // (docs/benchmarks.md, "2026-12-04 (late night)"). The reason is never read: the caller
          // gets the call's own result.
          if (req.watch !== undefined) req.watch.onMissedTmax = reject;
          void started.then((result) => {
            if (!result.ok || result.response.status >= 500 || isSlow(req, result))
              reject(new FailedCall(result));
            else resolve(result);
          });
        }),
      {
        timeout: false,
        errorThresholdPercentage: s.errorThresholdPercentage,
        volumeThreshold: s.volumeThreshold,
        rollingCountTimeout: s.windowMs,
        rollingCountBuckets: BUCKETS,
        rotateBucketController: buckets,
        resetTimeout: s.resetMs,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      },
    );
    const rotation = setInterval(() => buckets.emit('rotate'), Math.max(1, Math.floor(s.windowMs / BUCKETS)));
    rotation.unref();
    const gauge = this.metrics?.breakerOpen.labels(partner);
    // Failures in a row, in the order the breaker learns of them (a missed tmax when the collector
    // gives up, anything else when the call ends), and when the first of them was learnt; a success
    // starts over.
    let inARow = 0;
    let firstAt = 0;
    breaker.on('success', () => (inARow = 0));
    breaker.on('failure', () => {
      const now = Date.now();
      if (inARow++ === 0) firstAt = now;
      if (
        s.consecutiveFailures > 0 &&
        inARow >= s.consecutiveFailures &&
        now - firstAt >= s.consecutiveSpanMs &&
        breaker.closed
      )
        breaker.open();
    });
    breaker.on('open', () => {
      inARow = 0;
      gauge?.set(1);
    });
    breaker.on('close', () => {
      inARow = 0;
      gauge?.set(0);
      for (let i = 0; i < BUCKETS; i++) buckets.emit('rotate');
    });
    this.#breakers.set(partner, { settings: s, breaker, rotation });
    return breaker;
  }

  shutdown(): void {
    for (const b of this.#breakers.values()) stop(b);
    this.#breakers.clear();
  }
}

const BUCKETS = 10;

function stop(entry: { breaker: CircuitBreaker; rotation: NodeJS.Timeout }): void {
  clearInterval(entry.rotation);
  entry.breaker.shutdown();
}

/**
 * Slower than tmax, and not taken in time by the collector (or made without one). An answer the
 * collector took in time had arrived; a long `ms` then holds our own event loop's stall.
 */
function isSlow(req: CallRequest, result: CallResult): boolean {
  return result.ms > req.tmaxMs && req.watch?.missed !== false;
}

function sameSettings(a: BreakerSettings, b: BreakerSettings): boolean {
  return (
    a.errorThresholdPercentage === b.errorThresholdPercentage &&
    a.volumeThreshold === b.volumeThreshold &&
    a.windowMs === b.windowMs &&
    a.resetMs === b.resetMs &&
    a.consecutiveFailures === b.consecutiveFailures &&
    a.consecutiveSpanMs === b.consecutiveSpanMs
  );
}
