import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import type { Credential } from '../signing/credential';
import { chainAbove } from '../signing/verify-chain';

/**
 * Reads a seal certificate, its key and its chain from a PKCS#12 file (what a qualified trust service
 * provider delivers). The certificate whose public key matches the private key is the seal; the others
 * form its chain, ordered from the seal's issuer up.
 */
export function loadPkcs12(file: string, password: string): Credential {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(readFileSync(file).toString('binary')), password);
  } catch (err) {
    throw new Error(`cannot read the seal PKCS#12 ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const keyBag =
    p12.getBags({ bagType: forge.pki.oids['pkcs8ShroudedKeyBag'] as string })[forge.pki.oids['pkcs8ShroudedKeyBag'] as string]?.[0] ??
    p12.getBags({ bagType: forge.pki.oids['keyBag'] as string })[forge.pki.oids['keyBag'] as string]?.[0];
  if (!keyBag?.key) throw new Error(`the seal PKCS#12 ${file} holds no private key`);
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const certBags = p12.getBags({ bagType: forge.pki.oids['certBag'] as string })[forge.pki.oids['certBag'] as string] ?? [];
  const certificates = certBags.flatMap((b) => (b.cert ? [Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert)).getBytes(), 'binary')] : []));
  const parsed = certificates.map((der) => ({ der, x509: new X509Certificate(der) }));
  const leaf = parsed.find((c) => c.x509.checkPrivateKey(privateKey));
  if (!leaf) throw new Error(`the seal PKCS#12 ${file} has no certificate for its key`);
  return { certificate: leaf.der, privateKey, chain: chainAbove(leaf.der, certificates) };
}
