import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from './cookies.js';

describe('readCookie', () => {
  it('finds a cookie by exact name among others', () => {
    expect(readCookie('a=1; audex_uuid=123; b=2', 'audex_uuid')).toBe('123');
    expect(readCookie('audex_uuid=9', 'audex_uuid')).toBe('9');
    expect(readCookie('x_audex_uuid=1; audex_uuid=2', 'audex_uuid')).toBe('2');
    expect(readCookie('x_audex_uuid=1', 'audex_uuid')).toBeUndefined();
    expect(readCookie(undefined, 'audex_uuid')).toBeUndefined();
    expect(readCookie('audex_uuid', 'audex_uuid')).toBeUndefined();
  });
});

describe('serializeCookie', () => {
  it('writes SameSite=None; Secure for the cross-site iframe, and Lax otherwise', () => {
    expect(serializeCookie('n', 'v', { maxAgeSeconds: 10, domain: '', secure: true })).toBe(
      'n=v; Max-Age=10; Path=/; SameSite=None; Secure',
    );
    expect(serializeCookie('n', 'v', { maxAgeSeconds: 10, domain: '.x.example', secure: false })).toBe(
      'n=v; Max-Age=10; Path=/; Domain=.x.example; SameSite=Lax',
    );
  });
});
