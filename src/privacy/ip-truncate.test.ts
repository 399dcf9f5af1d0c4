import { describe, expect, it } from 'vitest';
import { truncateIp } from './ip-truncate.js';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.0.0.255', '10.0.0.0'],
    [' 198.51.100.1 ', '198.51.100.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:0DB8:85A3:08D3:1319:8A2E:0370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:db8:0:1::1', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    ['::', '::'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['::ffff:cb00:714d', '203.0.113.0'],
    ['64:ff9b::192.0.2.33', '64:ff9b::'],
  ])('%s → %s', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each(['', 'localhost', '203.0.113', '203.0.113.256', '1:2:3:4:5:6:7:8:9', '2001:db8:::1', 'unknown'])(
    'drops an unparseable address (%j)',
    (ip) => {
      expect(truncateIp(ip)).toBeUndefined();
    },
  );
});
