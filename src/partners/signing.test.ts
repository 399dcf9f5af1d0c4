import { describe, expect, it } from 'vitest';
import { fixtureInput, loadFixtures } from './adapter-fixtures.js';
import { ADAPTERS } from './registry.js';
import { signOutboundRequest, signRequest, verifySignature } from './signing.js';

const NOW = 1_735_689_600_000;
// The minimal-request fixture's body, byte for byte as the audex adapter serialises it.
const BODY =
  '{"v":1,"id":"01JD5Y8Q3N6T2W9XK4M7B1C0RF","tmax":60,"user":{"id":"p-1024"},"signals":{},"page":{},"device":{},"regs":{"gdpr":0}}';

describe('signRequest', () => {
  it('is v1= and base64 HMAC-SHA256 over "timestamp.body" (the worked example in docs/partner-protocol.md)', () => {
    expect(signRequest('s3cr3t', NOW, BODY)).toBe('v1=VqhlsKYuU6YIAIJfBO4wL0vXs9VuuKeLQVLUbHOhXF8=');
  });

  it('signs exactly what the audex adapter sends for the minimal-request fixture', () => {
    const loaded = loadFixtures('audex').find((f) => f.file.endsWith('minimal-request.json'));
    expect(loaded).toBeDefined();
    const fixture = loaded?.fixture ?? { description: '' };
    expect(ADAPTERS.audex.buildRequest(fixtureInput(fixture), {}, 'https://p.example/').body).toBe(BODY);
  });

  it('changes with the secret, the timestamp and the body', () => {
    const base = signRequest('a', NOW, BODY);
    expect(signRequest('b', NOW, BODY)).not.toBe(base);
    expect(signRequest('a', NOW + 1, BODY)).not.toBe(base);
    expect(signRequest('a', NOW, BODY + ' ')).not.toBe(base);
  });
});

describe('verifySignature', () => {
  const sig = signRequest('current', NOW, BODY);

  it('accepts a fresh signature by the current secret', () => {
    expect(verifySignature(['current'], sig, String(NOW), BODY, NOW + 1000)).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('accepts either of two active secrets while keys rotate', () => {
    const old = signRequest('old', NOW, BODY);
    expect(verifySignature(['current', 'old'], old, NOW, BODY, NOW)).toEqual({ ok: true, secretIndex: 1 });
    expect(verifySignature(['current', 'old'], sig, NOW, BODY, NOW)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts a list of signatures if any one matches', () => {
    expect(verifySignature(['current'], `v1=AAAA, ${sig}`, NOW, BODY, NOW).ok).toBe(true);
  });

  it('refuses a tampered body, a wrong secret or a shifted timestamp', () => {
    expect(verifySignature(['current'], sig, NOW, BODY + 'x', NOW)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifySignature(['other'], sig, NOW, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(['current'], sig, NOW + 1, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses timestamps outside the window, past or future', () => {
    expect(verifySignature(['current'], sig, NOW, BODY, NOW + 300_001)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifySignature(['current'], sig, NOW, BODY, NOW - 60_001, 60_000)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifySignature(['current'], sig, NOW, BODY, NOW + 60_000, 60_000).ok).toBe(true);
  });

  it('names missing, malformed and unconfigured cases', () => {
    expect(verifySignature(['current'], undefined, NOW, BODY, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(['current'], sig, undefined, BODY, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature(['current'], 'sha256=abc', NOW, BODY, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifySignature(['current'], sig, '17e11', BODY, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature([], sig, NOW, BODY, NOW)).toEqual({ ok: false, reason: 'no-secret' });
    expect(verifySignature(['a', 'b', 'c'], sig, NOW, BODY, NOW)).toEqual({ ok: false, reason: 'no-secret' });
  });
});

describe('signOutboundRequest', () => {
  it('signs the body with the timestamp the adapter set, leaving everything else alone', () => {
    const req = {
      method: 'POST' as const,
      url: 'https://p.example/',
      headers: { 'content-type': 'application/json', 'x-audex-timestamp': String(NOW) },
      body: BODY,
    };
    const signed = signOutboundRequest(req, 'current', NOW + 5);
    expect(signed.headers).toEqual({
      ...req.headers,
      'x-audex-signature': signRequest('current', NOW, BODY),
    });
    expect(signed.body).toBe(BODY);
    expect(verifySignature(['current'], signed.headers['x-audex-signature'], NOW, BODY, NOW).ok).toBe(true);
  });
});
