import { describe, expect, it } from 'vitest';
import { exchanges, readPackets, wireMinusSlowest } from '../../bench/wire-capture.js';

/** A nanosecond pcap file (link type Ethernet) of IPv4 TCP packets, as tcpdump writes for `lo`. */
function pcap(packets: Array<{ ms: number; from: number; to: number; data: string }>): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b23c4d, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(1536, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map((p) => {
    const payload = Buffer.from(p.data, 'latin1');
    const frame = Buffer.alloc(14 + 20 + 32 + payload.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45; // IPv4, 20-byte header
    frame.writeUInt16BE(20 + 32 + payload.length, 16);
    frame[14 + 9] = 6; // TCP
    frame.writeUInt16BE(p.from, 34);
    frame.writeUInt16BE(p.to, 36);
    frame[34 + 12] = 8 << 4; // 32-byte TCP header (timestamps option)
    payload.copy(frame, 66);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.ms / 1000), 0);
    rec.writeUInt32LE(Math.round((p.ms % 1000) * 1e6), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    return Buffer.concat([rec, frame]);
  });
  return Buffer.concat([header, ...records]);
}

const EVENT_PORT = 8000;
const get = (seq: number) => `GET /event HTTP/1.1\r\nhost: x\r\nx-bench-seq: ${seq}\r\n\r\n`;
const reply = (tid: string) => `HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n{"tid":"${tid}","x":1}`;
const call = (id: string) => `POST /v1/segments HTTP/1.1\r\nx-audex-request-id: ${id}\r\n\r\n`;

describe('bench wire capture', () => {
  it('times each event and its slowest call on the wire, across split packets and keep-alive reuse', () => {
    const file = pcap([
      // event 7 on connection 50001; its calls on three provider connections
      { ms: 1000, from: 50001, to: EVENT_PORT, data: get(7) },
      { ms: 1000.5, from: 40001, to: 9001, data: call('t7.0') },
      { ms: 1000.6, from: 40001, to: 9001, data: '{"v":1}' }, // the body, a second packet
      { ms: 1000.7, from: 40002, to: 9002, data: call('t7.1') },
      { ms: 1000.8, from: 40003, to: 9003, data: call('t7.2') },
      { ms: 1020.5, from: 9001, to: 40001, data: 'HTTP/1.1 200 OK\r\n\r\n' },
      { ms: 1021.7, from: 9002, to: 40002, data: 'HTTP/1.1 200 OK\r\n\r\n' }, // slowest: 21 ms
      { ms: 1021, from: 9003, to: 40003, data: 'HTTP/1.1 200 OK\r\n\r\n' },
      { ms: 1022, from: EVENT_PORT, to: 50001, data: reply('t7') },
      // event 8 reuses connection 50001; one of its calls is missing
      { ms: 1030, from: 50001, to: EVENT_PORT, data: get(8) },
      { ms: 1030.2, from: 40001, to: 9001, data: call('t8.0') },
      { ms: 1050, from: 9001, to: 40001, data: 'HTTP/1.1 200 OK\r\n\r\n' },
      { ms: 1051, from: EVENT_PORT, to: 50001, data: reply('t8') },
      // a packet of another port is ignored
      { ms: 1052, from: 1234, to: 5678, data: 'noise' },
    ]);
    const xs = exchanges(readPackets(file), new Set([EVENT_PORT, 9001, 9002, 9003]));
    expect(xs).toHaveLength(6);
    const w = wireMinusSlowest(xs, EVENT_PORT, 3, 80);
    expect(w.seq).toEqual([7]);
    expect(w.incomplete).toBe(1);
    expect(w.reply[0]).toBeCloseTo(22, 6);
    expect(w.minus[0]).toBeCloseTo(22 - 21, 6);
    expect(w.before[0]).toBeCloseTo(0.5, 6);
    expect(w.after[0]).toBeCloseTo(0.3, 6);
  });

  it('counts a call at most the deadline', () => {
    const file = pcap([
      { ms: 0, from: 50001, to: EVENT_PORT, data: get(1) },
      { ms: 1, from: 40001, to: 9001, data: call('a.0') },
      { ms: 100, from: EVENT_PORT, to: 50001, data: reply('a') },
      { ms: 200, from: 9001, to: 40001, data: 'HTTP/1.1 200 OK\r\n\r\n' }, // answered after the reply
    ]);
    const w = wireMinusSlowest(exchanges(readPackets(file), new Set([EVENT_PORT, 9001])), EVENT_PORT, 1, 80);
    expect(w.minus).toEqual([100 - 80]);
  });

  it('refuses a file that is not a little-endian pcap', () => {
    expect(() => readPackets(Buffer.alloc(24))).toThrow(/not a little-endian pcap/);
  });
});
