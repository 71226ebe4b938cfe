/**
 * Packaging benchmark: PackagingService create-package over a 100-page PDF signed by two signers
 * (Norwegian and Swedish BankID), which validates both LTV-SDOs and writes a PAdES B-LTA package to
 * SDS, against a bare pdf-lib `load` + `save` of the same PDF measured in this process in the same
 * run. Also the server's RSS growth while packaging. Target: at most 3 times the bare load and save.
 */
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { basic, http } from './lib/http';
import type { ServerChild } from './lib/proc';
import { procStatusBytes, sampleRss } from './lib/rss';
import { median } from './lib/stats';

export interface PackageResult {
  readonly pages: number;
  readonly pdfBytes: number;
  readonly packages: number;
  readonly paraphMs: number;
  readonly baselineMs: number;
  readonly ratio: number;
  readonly packagesPerSecond: number;
  readonly packageBytes: number;
  readonly rssIdleBytes: number;
  readonly rssPeakGrowthBytes: number;
}

const PACKAGING_NS = 'https://id.signicat.com/definitions/wsdl/Packaging-v4';
const DOCUMENT_NS = 'https://id.signicat.com/definitions/wsdl/Document-v3';
const SOAP = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' };

async function hundredPages(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const line = 'Låntaker plikter å betale renter og avdrag etter denne avtalen. '.repeat(2);
  for (let p = 1; p <= 100; p++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Låneavtale, side ${p} av 100`, { x: 50, y: 790, size: 16, font });
    for (let l = 0; l < 40; l++) page.drawText(line.slice(0, 95), { x: 50, y: 750 - l * 17, size: 9, font });
  }
  return Buffer.from(await doc.save());
}

async function soap(base: string, path: string, body: string): Promise<string> {
  const envelope = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${body}</s:Body></s:Envelope>`;
  const res = await http(`${base}${path}`, { method: 'POST', headers: { ...SOAP, 'Content-Length': Buffer.byteLength(envelope) }, body: envelope });
  return res.body.toString('utf8');
}

export async function packageBench(paraph: ServerChild, service: string, password: string, count: number): Promise<PackageResult> {
  const auth = basic(service, password);
  const pdf = await hundredPages();
  const upload = await http(`${paraph.baseUrl}/doc/${service}/sds`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/pdf', 'Content-Length': pdf.length },
    body: pdf,
  });
  const sdsId = upload.body.toString('latin1');
  const act = '<document-action type="sign"><document-ref>doc_1</document-ref></document-action>';
  const created = await soap(
    paraph.baseUrl,
    '/ws/documentservice-v3',
    `<create-request-request xmlns="${DOCUMENT_NS}"><service>${service}</service><password>${password}</password><request>` +
      `<document xsi:type="sds-document" id="doc_1" ref-sds-id="${sdsId}"><description>Låneavtale</description></document>` +
      `<task id="kari">${act}</task><task id="sven">${act}</task></request></create-request-request>`,
  );
  const requestId = /request-id>([^<]+)</.exec(created)?.[1];
  if (!requestId) throw new Error(`createRequest failed: ${created.slice(0, 300)}`);
  for (const [task, method, nationalId] of [
    ['kari', 'nbid-sign', '01017010170'],
    ['sven', 'sbid-sign', '198507091232'],
  ] as const) {
    const body = JSON.stringify({ method, signer: { nationalId, firstName: task, lastName: 'Test' } });
    const res = await http(`${paraph.baseUrl}/emulator/v1/${service}/requests/${requestId}/tasks/${task}/sign`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      body,
    });
    if (res.status !== 200) throw new Error(`signing ${task} failed: ${res.body.toString('utf8').slice(0, 300)}`);
  }
  const sdo = (task: string) =>
    `<sdo><uri-document-id>${paraph.baseUrl}/doc/${service}/order/${requestId}/${task}/doc_1/sdo</uri-document-id></sdo>`;
  const request =
    `<create-package-request xmlns="${PACKAGING_NS}"><version>4</version><service>${service}</service><password>${password}</password>` +
    `<validation-policy>ltvsdo-validator</validation-policy><packaging-method>pades</packaging-method>` +
    `<send-result-to-archive>false</send-result-to-archive>${sdo('kari')}${sdo('sven')}</create-package-request>`;

  let packageBytes = 0;
  const packageOnce = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    const reply = await soap(paraph.baseUrl, '/ws/packagingservice-v4', request);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const id = /<(?:\w+:)?id>([^<]+)</.exec(reply)?.[1];
    if (!id) throw new Error(`create-package failed: ${reply.slice(0, 400)}`);
    if (packageBytes === 0) {
      const got = await http(`${paraph.baseUrl}/doc/${service}/sds/${id}`, { headers: { Authorization: auth } });
      packageBytes = got.body.length;
    }
    return ms;
  };
  const bareOnce = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    const doc = await PDFDocument.load(pdf);
    await doc.save();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  for (let i = 0; i < 3; i++) {
    await packageOnce();
    await bareOnce();
  }
  const rssIdleBytes = procStatusBytes(paraph.pid, 'VmRSS');
  const sampler = sampleRss(paraph.pid, 10);
  const paraphTimes: number[] = [];
  const bareTimes: number[] = [];
  // Alternate, so that both sides see the same machine load.
  for (let i = 0; i < count; i++) {
    paraphTimes.push(await packageOnce());
    bareTimes.push(await bareOnce());
  }
  const samples = sampler.stop();
  const paraphMs = median(paraphTimes);
  const baselineMs = median(bareTimes);
  return {
    pages: 100,
    pdfBytes: pdf.length,
    packages: count,
    paraphMs,
    baselineMs,
    ratio: paraphMs / baselineMs,
    packagesPerSecond: 1000 / paraphMs,
    packageBytes,
    rssIdleBytes,
    rssPeakGrowthBytes: Math.max(...samples) - rssIdleBytes,
  };
}
