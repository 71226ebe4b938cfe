import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalogue } from '../src/errors';

describe('the error catalogue', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'errors.md'), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `([A-Z_]+)` \| (soap:Client|soap:Server) \| (\d{3}) \|/gm)].map((m) => [m[1], m]),
  );

  it('documents every code in docs/errors.md with its faultcode and HTTP status', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      const row = rows.get(code);
      expect(row).toBeDefined();
      expect(row?.[2]).toBe(entry.party === 'client' ? 'soap:Client' : 'soap:Server');
      expect(Number(row?.[3])).toBe(entry.httpStatus);
    }
  });

  it('documents no code that does not exist', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(errorCatalogue).sort());
  });
});
