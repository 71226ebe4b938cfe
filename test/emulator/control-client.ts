import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuth, SERVICES } from '../helpers/paraph';
import { run, report } from '../helpers/run-program';

export interface JsonReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Calls the emulator control API as a test harness would. */
export class ControlApi {
  constructor(
    readonly url: string,
    readonly account: { name: string; password: string } = SERVICES.demo,
  ) {}

  async post(path: string, body?: unknown, raw?: string): Promise<JsonReply> {
    const res = await fetch(`${this.url}/emulator/v1/${this.account.name}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basicAuth(this.account.name, this.account.password) },
      ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  sign(requestId: string, taskId: string, body: unknown): Promise<JsonReply> {
    return this.post(`/requests/${requestId}/tasks/${taskId}/sign`, body);
  }
}

/** Downloads with the service's credentials. */
export async function download(url: string, account = SERVICES.demo): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(url, { headers: { Authorization: basicAuth(account.name, account.password) } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

const FAMILIES = ['nbid', 'nemid', 'sbid', 'nets', 'paraph'];

export interface TrustFiles {
  /** Every root in one PEM file (openssl's -CAfile reads them all). */
  readonly roots: string;
  /** Every issuing CA in one PEM file (openssl's -untrusted / -verify_other). */
  readonly issuing: string;
  /** One PEM file per certificate: xmlsec1 reads only the first certificate of a PEM file. */
  readonly rootFiles: readonly string[];
  readonly issuingFiles: readonly string[];
}

/** Writes the test PKI's roots and issuing CAs (fetched over HTTP, as a client would) into `dir`. */
export async function trustFiles(url: string, dir: string): Promise<TrustFiles> {
  const rootFiles: string[] = [];
  const issuingFiles: string[] = [];
  for (const family of FAMILIES) {
    for (const [which, list] of [['root', rootFiles], ['issuing', issuingFiles]] as const) {
      const file = join(dir, `${family}-${which}.pem`);
      writeFileSync(file, await (await fetch(`${url}/pki/${family}/${which}.pem`)).text());
      list.push(file);
    }
  }
  const roots = join(dir, 'roots.pem');
  writeFileSync(roots, Buffer.from(await (await fetch(`${url}/pki/roots.pem`)).arrayBuffer()));
  const issuing = join(dir, 'issuing.pem');
  writeFileSync(issuing, issuingFiles.map((f) => readFileSync(f, 'utf8')).join(''));
  return { roots, issuing, rootFiles, issuingFiles };
}

/** xmlsec1's verdict on an XML signature, with the test PKI's roots trusted. */
export async function xmlsecVerify(file: string, trust: TrustFiles): Promise<{ ok: boolean; output: string }> {
  const args = ['--verify'];
  for (const root of trust.rootFiles) args.push('--trusted-pem', root);
  for (const ca of trust.issuingFiles) args.push('--untrusted-pem', ca);
  const out = await run('xmlsec1', [...args, file], 30_000);
  return { ok: out.status === 0, output: report('xmlsec1', out) };
}
