/**
 * Runs reference providers for the partner benchmark in their own process, so their CPU is not
 * charged to the DCS. argv: JSON array of PartnerSimOptions. Sends `{ urls }` to the parent.
 * The benchmark loads bench/partner-probe.ts here with `--import` to measure the providers' own
 * answer times and event-loop lag.
 */
import { startPartnerSim, type PartnerSimOptions } from '../src/partners/sim/partner-sim.js';

const options = JSON.parse(process.argv[2] ?? '[]') as PartnerSimOptions[];
const sims = await Promise.all(options.map((o) => startPartnerSim({ port: 0, ...o })));
process.send?.({ urls: sims.map((s) => s.url) });
process.on('SIGTERM', () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0)));
// The benchmark gone (it failed, or was killed) leaves no providers running.
process.on('disconnect', () => process.exit(0));
