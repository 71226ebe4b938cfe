import { eidMethods } from '../../src/eid/methods';
import { makeEidTestPki } from './eid-pki';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');
const TEXT = Buffer.from('Jeg godkjenner avtalen. Æ Ø Å\n', 'utf8');
const SIGNERS = {
  NO: { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann', email: 'kari@example.no' },
  DK: { nationalId: '0101701234', firstName: 'Karen', lastName: 'Jensen' },
  SE: { nationalId: '198507091232', firstName: 'Karin', lastName: 'Svensson' },
} as const;

describe.each([...eidMethods.values()])('$name: the document its signature carries', (method) => {
  it(method.documentOf ? 'is exactly the signed document, PDF or text' : 'is not claimed (the signature holds a digest only)', async () => {
    if (!method.documentOf) {
      expect(method.documentOf).toBeUndefined();
      return;
    }
    const pki = await makeEidTestPki(method.family);
    try {
      const signer = SIGNERS[method.nationalityOf(method.name === 'nemid-sign' ? SIGNERS.DK.nationalId : SIGNERS.NO.nationalId)];
      const credential = await pki.issueSigner(method.certificateSubject(signer));
      for (const [bytes, mimeType] of [
        [PDF, 'application/pdf'],
        [TEXT, 'text/plain'],
      ] as const) {
        const document = { id: 'doc_1', mimeType, description: 'Avtale', bytes };
        const native = await method.sign({
          document,
          signer,
          credential,
          time: new Date(),
          context: { service: 'demo', requestId: 'r', taskId: 't', serviceDisplayName: 'demo' },
        });
        expect(method.documentOf(native).equals(bytes)).toBe(true);
        method.verify(native, document);
      }
    } finally {
      await pki.remove();
    }
  });
});
