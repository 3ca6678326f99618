import { securityHeaders, staticHeadersOf } from './security-headers.js';

describe('security headers', () => {
  it("should record helmet's headers for our configuration", () => {
    const { set, removed } = securityHeaders();
    expect(set['x-content-type-options']).toBe('nosniff');
    expect(set['x-frame-options']).toBe('SAMEORIGIN');
    expect(set['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(set['content-security-policy']).toMatch(/default-src 'self'/);
    expect(set['content-security-policy']).toMatch(/script-src 'self' 'unsafe-inline'/);
    expect(set['referrer-policy']).toBe('no-referrer');
    expect(removed).toContain('x-powered-by');
  });

  it('should refuse a middleware that fails or answers later', () => {
    expect(() => staticHeadersOf((_q, _s, next) => next(new Error('boom')))).toThrow('boom');
    expect(() => staticHeadersOf((_q, _s, next) => setImmediate(next))).toThrow(/synchronously/);
  });
});
