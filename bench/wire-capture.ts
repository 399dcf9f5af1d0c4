/**
 * The partner benchmark's wire clock: every HTTP exchange of a measured window as the loopback
 * interface saw it, from a tcpdump capture. The kernel stamps a loopback packet as the sender's
 * write syscall hands it to the interface, so an exchange's time on the wire runs from the
 * client's request leaving to the server's reply leaving: the server's whole share (its wake-up to
 * read the request included) and none of the client's (its wake-up to read the reply, a stall
 * between timing a send and making it). On a 2-core machine shared with the load generator, that
 * is the figure a load balancer in front of the DCS would log.
 *
 * Only packets that carry data are kept (a BPF filter drops bare ACKs), each cut at
 * {@link SNAPLEN} bytes: enough for the keys read from them (`x-bench-seq` and
 * `x-audex-request-id` in request headers, `"tid"` in an event's JSON reply).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidOf } from './partner-timeline.js';

/** Bytes of each packet kept: link, IP and TCP headers, then the start of the HTTP message. */
const SNAPLEN = 1536;
/** How much of a message's start is kept to read its keys from. */
const HEAD_BYTES = 1024;

/** One HTTP exchange on a keep-alive connection, as seen on the wire (times in ms, wire clock). */
export interface WireExchange {
  serverPort: number;
  /** First data packet of the request. */
  start: number;
  /** Last data packet of the reply. */
  end: number;
  /** The request's first {@link HEAD_BYTES} bytes and the reply's, latin1. */
  request: string;
  reply: string;
}

export interface WireCapture {
  /** Stops tcpdump. */
  stop(): Promise<void>;
  /** After `stop()`: what it captured (the file is then removed). Reading takes a while: do it after the window's other figures. */
  read(): WireExchange[];
}

/** True when tcpdump can be run here (the wire figure is skipped otherwise). */
export function haveTcpdump(): boolean {
  return spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts capturing, on the loopback interface, the IPv4 TCP data packets to and from `ports` (the
 * filter's payload test reads the IPv4 header; the runs are on 127.0.0.1); resolves once tcpdump
 * is listening. The capture file lives in a temporary folder that `read()` removes.
 */
export async function startWireCapture(ports: readonly number[]): Promise<WireCapture> {
  const dir = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'audex-wire-'));
  const file = join(dir, 'capture.pcap');
  const payload = '((ip[2:2] - ((ip[0] & 0xf) << 2)) - ((tcp[12] & 0xf0) >> 2)) != 0';
  const filter = `tcp and (${ports.map((p) => `port ${p}`).join(' or ')}) and ${payload}`;
  const proc = spawn(
    'tcpdump',
    [
      '-i',
      'lo',
      '-n',
      '-s',
      String(SNAPLEN),
      '-B',
      '32768',
      '--time-stamp-precision=nano',
      '-w',
      file,
      filter,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // tcpdump must not outlive this process: left running, it would capture (and cost CPU in) every
  // later run on the same ports, into a file in memory.
  const orphaned = () => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', orphaned);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err.trim()}`)));
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve();
    });
  });
  return {
    stop: () => stopProcess(proc),
    read() {
      try {
        return exchanges(readPackets(readFileSync(file)), new Set(ports));
      } finally {
        rmSync(dir, { recursive: true, force: true });
        process.removeListener('exit', orphaned);
      }
    },
  };
}

function existsShm(): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').includes(' /dev/shm ');
  } catch {
    return false;
  }
}

/**
 * tcpdump takes packets from the kernel's ring a block at a time, when the block is full or its
 * timeout (1 s) has passed, and stops at SIGINT without taking the block in progress: stopped at
 * once, a capture missed the window's last 12-17 events. After the load there is no traffic left
 * to disturb, so it gets that second first.
 */
const RING_TIMEOUT_MS = 1100;

async function stopProcess(proc: ChildProcess): Promise<void> {
  await new Promise((r) => setTimeout(r, RING_TIMEOUT_MS));
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill('SIGINT'); // tcpdump flushes its buffer and the file on SIGINT
  });
}

interface Packet {
  ms: number;
  srcPort: number;
  dstPort: number;
  data: Buffer;
}

/** The TCP data packets of a pcap file (link type Ethernet, as tcpdump writes for `lo`). */
export function readPackets(file: Buffer): Packet[] {
  const magic = file.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (!nano && magic !== 0xa1b2c3d4)
    throw new Error(`not a little-endian pcap file (magic ${magic.toString(16)})`);
  const linkType = file.readUInt32LE(20);
  if (linkType !== 1) throw new Error(`link type ${linkType}: only Ethernet (1) is read`);
  const packets: Packet[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const sec = file.readUInt32LE(at);
    const frac = file.readUInt32LE(at + 4);
    const captured = file.readUInt32LE(at + 8);
    const frame = file.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const ms = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    const etherType = frame.readUInt16BE(12);
    let tcp: number;
    let ipEnd: number;
    if (etherType === 0x0800) {
      const ihl = (frame[14]! & 0x0f) * 4;
      if (frame[14 + 9] !== 6) continue;
      tcp = 14 + ihl;
      ipEnd = 14 + frame.readUInt16BE(14 + 2);
    } else if (etherType === 0x86dd) {
      if (frame[14 + 6] !== 6) continue; // no extension headers on loopback TCP
      tcp = 14 + 40;
      ipEnd = tcp + frame.readUInt16BE(14 + 4);
    } else continue;
    const dataAt = tcp + (frame[tcp + 12]! >> 4) * 4;
    if (ipEnd <= dataAt) continue;
    packets.push({
      ms,
      srcPort: frame.readUInt16BE(tcp),
      dstPort: frame.readUInt16BE(tcp + 2),
      data: frame.subarray(dataAt, Math.min(ipEnd, frame.length)),
    });
  }
  return packets;
}

/**
 * Cuts each connection's packets into exchanges: HTTP/1.1 without pipelining (as undici's pools
 * and the DCS's run here), so a request starts with the client's first data after the server has
 * sent, and its reply is the server's data until the client's next request.
 */
export function exchanges(packets: readonly Packet[], serverPorts: ReadonlySet<number>): WireExchange[] {
  interface Open {
    x: WireExchange;
    replying: boolean;
  }
  const open = new Map<string, Open>();
  const out: WireExchange[] = [];
  const append = (head: string, data: Buffer) =>
    head.length >= HEAD_BYTES ? head : head + data.toString('latin1', 0, HEAD_BYTES - head.length);
  for (const p of packets) {
    const toServer = serverPorts.has(p.dstPort);
    if (!toServer && !serverPorts.has(p.srcPort)) continue;
    const serverPort = toServer ? p.dstPort : p.srcPort;
    const conn = `${toServer ? p.srcPort : p.dstPort}>${serverPort}`;
    const cur = open.get(conn);
    if (toServer) {
      if (cur === undefined || cur.replying) {
        if (cur !== undefined) out.push(cur.x);
        open.set(conn, {
          x: { serverPort, start: p.ms, end: NaN, request: append('', p.data), reply: '' },
          replying: false,
        });
      } else cur.x.request = append(cur.x.request, p.data);
    } else if (cur !== undefined) {
      cur.replying = true;
      cur.x.end = p.ms;
      cur.x.reply = append(cur.x.reply, p.data);
    }
  }
  for (const cur of open.values()) if (cur.replying) out.push(cur.x);
  return out;
}

/** Per event measured on the wire (the arrays are parallel, one entry per event). */
export interface WireFigure {
  /** The event's `x-bench-seq`. */
  seq: number[];
  /** Its request on the wire (epoch ms, the capture's clock). */
  start: number[];
  /** Request on the wire → reply on the wire. */
  reply: number[];
  /** `reply` minus the slowest call (request on the wire → answer on the wire). */
  minus: number[];
  /** Event request on the wire → first call on the wire: the server's read, parse and plan. */
  before: number[];
  /** Last answer on the wire → the event's reply on the wire: the server's read of the answers and its reply. */
  after: number[];
  /** Events without all their calls on the wire (a call skipped, or outside the capture). */
  incomplete: number;
}

/**
 * Per event on `eventPort` (keyed by its `x-bench-seq` header), its time on the wire minus its
 * slowest provider call's (the calls carry `x-audex-request-id: <event tid>.<n>`, the event's
 * reply `"tid":"<tid>"`), each call counted at most `deadlineMs`. Events without all `providers`
 * calls on the wire are counted, not measured.
 */
export function wireMinusSlowest(
  xs: readonly WireExchange[],
  eventPort: number,
  providers: number,
  deadlineMs: number,
): WireFigure {
  const calls = new Map<string, WireExchange[]>();
  for (const x of xs) {
    if (x.serverPort === eventPort) continue;
    const id = /\r\nx-audex-request-id: *([^\r\n]+)/i.exec(x.request)?.[1];
    if (id === undefined) continue;
    const tid = tidOf(id);
    const list = calls.get(tid) ?? [];
    list.push(x);
    calls.set(tid, list);
  }
  const out: WireFigure = { seq: [], start: [], reply: [], minus: [], before: [], after: [], incomplete: 0 };
  for (const x of xs) {
    if (x.serverPort !== eventPort) continue;
    const seq = /\r\nx-bench-seq: *(\d+)/i.exec(x.request)?.[1];
    const tid = /"tid":"([^"]+)"/.exec(x.reply)?.[1];
    const cs = tid === undefined ? undefined : calls.get(tid);
    if (seq === undefined || cs === undefined || cs.length !== providers) {
      out.incomplete++;
      continue;
    }
    out.seq.push(Number(seq));
    out.start.push(x.start);
    out.reply.push(x.end - x.start);
    out.minus.push(x.end - x.start - Math.min(Math.max(...cs.map((c) => c.end - c.start)), deadlineMs));
    out.before.push(Math.min(...cs.map((c) => c.start)) - x.start);
    out.after.push(x.end - Math.max(...cs.map((c) => c.end)));
  }
  return out;
}
