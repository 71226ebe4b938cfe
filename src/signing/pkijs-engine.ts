import { webcrypto, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/** pkijs signs through WebCrypto; give it Node's, once per process. */
export function usePkijs(): typeof pkijs {
  if (!installed) {
    pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));
    installed = true;
  }
  return pkijs;
}

const webKeys = new WeakMap<KeyObject, Promise<CryptoKey>>();

/** The WebCrypto twin of a private key, made once per key (importing costs as much as a signature). */
export function webCryptoKey(key: KeyObject): Promise<CryptoKey> {
  let found = webKeys.get(key);
  if (!found) {
    const der = key.export({ type: 'pkcs8', format: 'der' });
    found = webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'sign',
    ]) as Promise<CryptoKey>;
    webKeys.set(key, found);
  }
  return found;
}
