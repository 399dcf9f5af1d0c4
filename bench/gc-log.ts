/**
 * Preloaded into the DCS by `partner-bench --gc-join 1` (`node --import`): appends each of its GC
 * pauses to the file named by `AUDEX_BENCH_GC_LOG`, one line each: start (epoch ms, the clock the
 * wire capture's packets carry) and duration (ms). One observer callback per pause, no hooks on
 * requests: nothing on the DCS's hot path.
 */
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const file = process.env['AUDEX_BENCH_GC_LOG'];
if (file !== undefined && file !== '') {
  new PerformanceObserver((list) => {
    let out = '';
    for (const e of list.getEntries())
      out += `${(performance.timeOrigin + e.startTime).toFixed(3)} ${e.duration.toFixed(3)}\n`;
    appendFileSync(file, out);
  }).observe({ entryTypes: ['gc'] });
}
