import { randomByte, randomHex } from '../src/random-pool';

describe('the random pool behind ids and blob keys', () => {
  it('hands out keys of the asked length that do not repeat, across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      // 2000 × 16 bytes is eight 4 KiB pools; a stray byte taken between keys moves the boundaries.
      if (i % 7 === 0) randomByte();
      const key = randomHex(16);
      expect(key).toMatch(/^[0-9a-f]{32}$/);
      seen.add(key);
    }
    expect(seen.size).toBe(2000);
  });

  it('gives every byte value about equally often', () => {
    const counts = new Array<number>(256).fill(0);
    const n = 256 * 400;
    for (let i = 0; i < n; i++) {
      const byte = randomByte();
      counts[byte] = (counts[byte] ?? 0) + 1;
    }
    // Each count is binomial (mean 400, sd ≈ 20); 8 sd either way never happens by chance.
    expect(Math.min(...counts)).toBeGreaterThan(240);
    expect(Math.max(...counts)).toBeLessThan(560);
  });

  it('serves a request larger than the pool straight from the system', () => {
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });
});
