import { describe, expect, it } from 'vitest';
import { AudexError } from '../../errors/registry.js';
import { parsePartnerSimFlags } from './sim-options.js';

function problemsOf(flags: Record<string, string | boolean | undefined>): string[] {
  try {
    parsePartnerSimFlags(flags);
  } catch (err) {
    expect(err).toBeInstanceOf(AudexError);
    expect((err as AudexError).code).toBe('AUDEX_CONFIG_INVALID');
    return (err as AudexError).details as string[];
  }
  throw new Error('expected the flags to be rejected');
}

describe('parsePartnerSimFlags', () => {
  it('turns commander (camelCase) flags into options', () => {
    expect(
      parsePartnerSimFlags({
        port: '9090',
        host: '0.0.0.0',
        segments: 'A1, B7',
        latency: '20',
        jitter: '30',
        errorRate: '0.1',
        fault: 'hang',
        faultRate: '0.5',
        secret: 'new,old',
        ttl: '600',
        seed: '42',
        config: 'ignored.json',
        demo: undefined,
      }),
    ).toEqual({
      port: 9090,
      host: '0.0.0.0',
      segments: ['A1', 'B7'],
      latencyMs: 20,
      latencyJitter: 30,
      errorRate: 0.1,
      fault: 'hang',
      faultRate: 0.5,
      secret: ['new', 'old'],
      ttl: 600,
      seed: 42,
    });
  });

  it('accepts kebab-case names too, and an empty --segments meaning "always 204"', () => {
    expect(parsePartnerSimFlags({ 'error-rate': '1', 'fault-rate': '0', segments: '' })).toEqual({
      errorRate: 1,
      faultRate: 0,
      segments: [],
    });
  });

  it('returns {} for no flags (all defaults)', () => {
    expect(parsePartnerSimFlags({})).toEqual({});
  });

  it('reports every bad value at once', () => {
    const problems = problemsOf({
      port: '70000',
      latency: 'fast',
      errorRate: '1.5',
      fault: 'explode',
      segments: 'A1,bad code',
      ttl: '-1',
      jitter: true,
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/--latency must be a number, got "fast"/);
    expect(problems.join('\n')).toMatch(
      /--fault must be one of hang\|reset\|500\|garbage\|huge\|trickle\|redirect/,
    );
    expect(problems.join('\n')).toMatch(/--jitter needs a value/);
    expect(problems.join('\n')).toMatch(/not bad code/);
  });

  it('refuses more than two secrets and empty ones', () => {
    expect(problemsOf({ secret: 'a,b,c' })).toEqual(['secret must be 1 or 2 non-empty secrets']);
    expect(problemsOf({ secret: 'a,' })).toEqual(['secret must be 1 or 2 non-empty secrets']);
  });
});
