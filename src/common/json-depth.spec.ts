import { exceedsJsonDepth } from './json-depth.js';

describe('exceedsJsonDepth', () => {
  it('should count nested objects and arrays', () => {
    expect(exceedsJsonDepth('{"a":{"b":[1,[2]]}}', 4)).toBe(false);
    expect(exceedsJsonDepth('{"a":{"b":[1,[2]]}}', 3)).toBe(true);
    expect(exceedsJsonDepth('['.repeat(10_000), 32)).toBe(true);
    expect(exceedsJsonDepth('[]'.repeat(10_000), 1)).toBe(false);
  });

  it('should ignore brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(exceedsJsonDepth(JSON.stringify({ a: 'say \\"[[[[" ok' }), 1)).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(JSON.stringify(['{'.repeat(100)])), 1)).toBe(false);
  });
});
