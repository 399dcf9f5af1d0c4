/** `audex partner-sim`: runs the reference data-provider server until interrupted. */
import { parsePartnerSimFlags, startPartnerSim } from '../partners/sim/partner-sim.js';

export async function runPartnerSimCommand(flags: Record<string, unknown>): Promise<void> {
  const strings: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(flags))
    strings[k] = typeof v === 'string' || typeof v === 'boolean' ? v : undefined;
  const sim = await startPartnerSim(parsePartnerSimFlags(strings));
  console.log(`Audex reference provider listening on ${sim.url}`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
