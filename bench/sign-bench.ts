/**
 * Signing benchmark: a task with one 1 MiB PDF signed through the emulator control API (exactly the
 * portal's code path: native eID signature, OCSP, path check, LTV-SDO with XAdES B-LT seal, two RFC 3161
 * timestamps, durable commit), against raw `crypto.sign` with RSA-2048 measured in the same run.
 *
 * A whole signature contains 5 RSA signatures made for it: the native eID signature, the OCSP response
 * about the signer, the timestamp over the native signature, the seal, and the seal's timestamp (the
 * seal's own OCSP response is reused for a minute, as every trust service caches it). Target: one
 * whole signature costs at most 10 times those 5 raw signatures.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createRequestEnvelope, SOAP_HEADERS } from './lib/envelopes';
import { basic, http } from './lib/http';
import { largePdfLike } from './lib/pdf';
import type { ServerChild } from './lib/proc';
import { median, MiB } from './lib/stats';

export const RSA_SIGNATURES_PER_WHOLE_SIGNATURE = 5;

export interface SignResult {
  readonly documentBytes: number;
  readonly method: string;
  readonly signatures: number;
  /** Sequential: one signature at a time. */
  readonly sequential: { readonly perSecond: number; readonly medianMs: number; readonly p90Ms: number };
  /** Four signatures in flight (a small burst of signers). */
  readonly concurrent: { readonly inFlight: number; readonly perSecond: number };
  readonly rawRsa: { readonly perSecond: number; readonly ms: number };
  /** Median whole-signature time over the time of the raw RSA signatures it contains. */
  readonly costRatio: number;
  readonly resultBytes: number;
}

const SIGNER = { nationalId: '01017010170', firstName: 'Kari', lastName: 'Nordmann' };

function requestIdOf(xml: string): string {
  const m = /<(?:\w+:)?request-id>([^<]+)</.exec(xml);
  if (!m) throw new Error(`createRequest gave no request-id: ${xml.slice(0, 300)}`);
  return m[1] as string;
}

function rawRsaRate(durationMs: number): { perSecond: number; ms: number } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const digest = randomBytes(32);
  for (let i = 0; i < 50; i++) sign('sha256', digest, privateKey);
  let n = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 20; i++) sign('sha256', digest, privateKey);
    n += 20;
    elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return { perSecond: (n * 1000) / elapsed, ms: elapsed / n };
}

export async function signBench(paraph: ServerChild, service: string, password: string, count: number): Promise<SignResult> {
  const auth = basic(service, password);
  const pdf = largePdfLike(MiB);
  const upload = await http(`${paraph.baseUrl}/doc/${service}/sds`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/pdf', 'Content-Length': pdf.length },
    body: pdf,
  });
  if (upload.status !== 201) throw new Error(`SDS upload failed: ${upload.status}`);
  const sdsId = upload.body.toString('latin1');

  const warmup = 5;
  const concurrentCount = Math.max(8, Math.floor(count / 2));
  const requests: string[] = [];
  for (let i = 0; i < warmup + count + concurrentCount; i++) {
    const envelope = createRequestEnvelope(service, password, sdsId);
    const res = await http(`${paraph.baseUrl}/ws/documentservice-v3`, {
      method: 'POST',
      headers: { ...SOAP_HEADERS, 'Content-Length': Buffer.byteLength(envelope) },
      body: envelope,
    });
    requests.push(requestIdOf(res.body.toString('utf8')));
  }
  const body = JSON.stringify({ method: 'nbid-sign', signer: SIGNER });
  let resultBytes = 0;
  const signOne = async (requestId: string): Promise<number> => {
    const res = await http(`${paraph.baseUrl}/emulator/v1/${service}/requests/${requestId}/tasks/task_1/sign`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      body,
    });
    if (res.status !== 200) throw new Error(`sign failed: ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
    return res.ms;
  };

  // Warm-up: the first signature makes the person's certificate and the service's seal.
  for (const id of requests.slice(0, warmup)) await signOne(id);
  const sdo = await http(`${paraph.baseUrl}/doc/${service}/order/${requests[0]}/task_1/Kontrakt/sdo`, {
    headers: { Authorization: auth },
  });
  resultBytes = sdo.body.length;

  const latencies: number[] = [];
  const sequentialStart = process.hrtime.bigint();
  for (const id of requests.slice(warmup, warmup + count)) latencies.push(await signOne(id));
  const sequentialMs = Number(process.hrtime.bigint() - sequentialStart) / 1e6;

  const inFlight = 4;
  const queue = requests.slice(warmup + count);
  const concurrentStart = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await signOne(id);
    }),
  );
  const concurrentMs = Number(process.hrtime.bigint() - concurrentStart) / 1e6;

  const raw = rawRsaRate(3000);
  const sorted = [...latencies].sort((a, b) => a - b);
  const medianMs = median(latencies);
  return {
    documentBytes: pdf.length,
    method: 'nbid-sign',
    signatures: count,
    sequential: {
      perSecond: (count * 1000) / sequentialMs,
      medianMs,
      p90Ms: sorted[Math.floor(sorted.length * 0.9)] ?? medianMs,
    },
    concurrent: { inFlight, perSecond: (concurrentCount * 1000) / concurrentMs },
    rawRsa: raw,
    costRatio: medianMs / (RSA_SIGNATURES_PER_WHOLE_SIGNATURE * raw.ms),
    resultBytes,
  };
}
