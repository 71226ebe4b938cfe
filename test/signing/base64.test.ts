import { randomBytes } from 'node:crypto';
import { base64Bytes, base64Length, writeBase64 } from '../../src/signing/base64';

describe('base64 in slices', () => {
  const SLICE = 3 * 16 * 1024;

  test.each([0, 1, 2, 3, 4, SLICE - 1, SLICE, SLICE + 1, SLICE + 2, 3 * SLICE + 5, 1024 * 1024])(
    '%i bytes encode exactly as Buffer#toString("base64")',
    (length) => {
      const bytes = randomBytes(length);
      expect(base64Length(length)).toBe(bytes.toString('base64').length);
      expect(base64Bytes(bytes).toString('latin1')).toBe(bytes.toString('base64'));
    },
  );

  test('a view into a larger buffer encodes only its own bytes, written at an offset', () => {
    const whole = randomBytes(SLICE * 2 + 100);
    const view = whole.subarray(7, 7 + SLICE + 11);
    const target = Buffer.alloc(3 + base64Length(view.length) + 3, 0x2e);
    const end = writeBase64(view, target, 3);
    expect(end).toBe(target.length - 3);
    expect(target.toString('latin1')).toBe(`...${view.toString('base64')}...`);
  });
});
