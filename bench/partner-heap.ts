/**
 * Allocation per event from a sampling heap profile of the partner benchmark
 * (`node dist/bench/partner-bench.js --scenarios 1 --profile <dir> --profile-kind heap`):
 *
 *   node dist/bench/partner-heap.js <dir>/dcs-s1.heapprofile [events = 5000] [top = 25]
 *
 * The profile holds everything allocated in the measured window, collected or not (the young
 * generation's workload, which sets how often scavenges run). Each sample is charged to one owner
 * by its stack: `probe` if the benchmark's probe is on it (a measurement cost, left out of the
 * DCS's figure), else `partner` if any frame is on the partner path (src/partners, src/privacy,
 * the plan-partners / call-partners / onboard stages, undici, opossum), else `other` (HTTP,
 * storage, profiles, rules, node internals of the inbound request). Prints the owners' KB per
 * event and the partner path's top allocation sites (innermost frame, and innermost Audex frame).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}

const PARTNER_PATH = [
  /\/src\/partners\//,
  /\/src\/privacy\//,
  /\/stages\/(plan-partners|call-partners|onboard)-stage\.js/,
  /\/node_modules\/undici\//,
  /\/node_modules\/opossum\//,
];
const PROBE = /\/bench\/partner-probe\.js/;

const short = (f: CallFrame): string => {
  const url = f.url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist[^/]*\/(src|bench)\//, '$1/')
    .replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};

export function summarise(file: string, events: number, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode };
  const owners = { partner: 0, other: 0, probe: 0 };
  const sites = new Map<string, number>();
  const ourSites = new Map<string, number>();
  const stack: CallFrame[] = [];
  const walk = (node: ProfileNode): void => {
    stack.push(node.callFrame);
    if (node.selfSize > 0) {
      const urls = stack.map((f) => f.url);
      if (urls.some((u) => PROBE.test(u))) owners.probe += node.selfSize;
      else if (urls.some((u) => PARTNER_PATH.some((re) => re.test(u)))) {
        owners.partner += node.selfSize;
        const site = short(node.callFrame);
        sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
        const ours = [...stack].reverse().find((f) => /\/dist[^/]*\/src\//.test(f.url));
        const key = ours === undefined ? '(no Audex frame)' : short(ours);
        ourSites.set(key, (ourSites.get(key) ?? 0) + node.selfSize);
      } else owners.other += node.selfSize;
    }
    for (const child of node.children) walk(child);
    stack.pop();
  };
  walk(profile.head);
  const kb = (bytes: number) => `${(bytes / events / 1024).toFixed(1).padStart(6)} KB`;
  const lines = [
    `${file}: ${events} events`,
    `  DCS total (without probe) ${kb(owners.partner + owners.other)} per event`,
    `    partner path            ${kb(owners.partner)}`,
    `    other                   ${kb(owners.other)}`,
    `  probe (measurement)       ${kb(owners.probe)}`,
    `  partner path, top sites (innermost frame):`,
  ];
  const topOf = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([site, bytes]) => `    ${kb(bytes)}  ${site}`);
  lines.push(...topOf(sites), '  partner path, by innermost Audex frame:', ...topOf(ourSites));
  return lines.join('\n');
}

if (process.argv[2] !== undefined) {
  console.log(summarise(process.argv[2], Number(process.argv[3] ?? 5000), Number(process.argv[4] ?? 25)));
}
