import express, { type Request as HttpRequest, type Response as HttpResponse, type Router } from 'express';
import type { ServiceAccount, ServiceRegistry } from '../auth/service-registry';
import { asParaphError, ParaphError } from '../errors';
import { readBody } from '../http-body';
import type { Logger } from '../log';
import { decodePayload } from './decode';
import { encodePayload } from './encode';
import { faultEnvelope, responseEnvelope } from './fault';
import type { ServiceDescription } from './load-wsdl';
import { readEnvelope } from './read-envelope';
import type { WireObject } from './wire-value';

/**
 * The SOAP 1.1 edge of one service. Why not `soap`'s own server: it writes response children in the
 * order of the JavaScript object's keys instead of the schema's (XmlSerializer drops out-of-order
 * elements), writes `xsi:type` without declaring `xsi` (not well-formed), answers void operations with
 * `<opResponse/>` where the contract has an empty Body, sends faults with HTTP 200, answers unroutable
 * bodies with a SOAP 1.2 fault carrying a TypeError, and hands `xsi:type` over without the in-scope
 * namespaces needed to resolve it. Every one of those is the contract itself, so the fix belongs at the
 * envelope: `soap` reads the WSDL (load-wsdl.ts) and its operation table drives dispatch here, while
 * reading and writing the XML follow the schema compiled from what it parsed.
 */

/** Handlers get the decoded payload (camelCase keys) and the authenticated service. */
export type OperationHandler = (input: WireObject, account: ServiceAccount) => Promise<object | void> | object | void;

export interface SoapServiceDefinition {
  readonly description: ServiceDescription;
  /** By WSDL operation name; every operation of the WSDL must have one. */
  readonly handlers: Readonly<Record<string, OperationHandler>>;
}

export interface SoapEndpointOptions {
  readonly registry: ServiceRegistry;
  readonly maxBodyBytes: number;
  readonly publicBaseUrl: string;
  readonly log: Logger;
}

const XML_CONTENT_TYPE = 'text/xml;charset=UTF-8';

/** Written by hand: express's send() would rewrite the Content-Type to `text/xml; charset=utf-8`. */
function sendXml(res: HttpResponse, status: number, xml: string): void {
  const body = Buffer.from(xml, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', XML_CONTENT_TYPE);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

export function soapEndpoint(definition: SoapServiceDefinition, options: SoapEndpointOptions): Router {
  const { description, handlers } = definition;
  for (const op of description.operationsByElement.values()) {
    if (!handlers[op.name]) throw new Error(`${description.path}: no handler for ${op.name}`);
  }
  const router = express.Router();
  const wsdl = description.renderWsdl(options.publicBaseUrl);

  router.get(description.path, (req, res) => {
    if (Object.keys(req.query).some((k) => k.toLowerCase() === 'wsdl')) {
      sendXml(res, 200, wsdl);
      return;
    }
    res
      .type('text/plain')
      .send(`${description.path}: SOAP 1.1 endpoint. WSDL: ${options.publicBaseUrl}${description.path}?wsdl\n`);
  });

  router.post(description.path, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: HttpRequest, res: HttpResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let operation = '-';
    let service: string | undefined;
    try {
      const body = await readBody(req, options.maxBodyBytes);
      if (body.length === 0) throw new ParaphError('BODY_EMPTY', 'The request body is empty');
      const payload = readEnvelope(body.toString('utf8'));
      const op = description.operationsByElement.get(payload.localName ?? '');
      if (!op) {
        throw new ParaphError('OPERATION_UNKNOWN', `Unknown operation: no operation takes <${payload.localName}>`);
      }
      operation = op.name;
      const input = decodePayload(description.schema, payload, op.inputElement);
      service = typeof input.service === 'string' ? input.service : undefined;
      const account = options.registry.authenticate(
        service,
        typeof input.password === 'string' ? input.password : undefined,
      );
      const result = await (handlers[op.name] as OperationHandler)(input, account);
      const xml =
        op.outputElement === undefined
          ? undefined
          : encodePayload(description.schema, op.outputElement, (result ?? {}) as WireObject);
      sendXml(res, 200, responseEnvelope(xml));
      options.log.info('soap call', { path: description.path, operation, service, ms: elapsed(started) });
    } catch (err) {
      const error = asParaphError(err);
      if (error.code === 'INTERNAL_ERROR') {
        options.log.error('soap call failed', { path: description.path, operation, service, error: String(err) });
      } else {
        options.log.info('soap fault', { path: description.path, operation, service, code: error.code });
      }
      // A body we stopped reading leaves the connection in an unknown state: close it after answering.
      if (error.code === 'BODY_TOO_LARGE') res.setHeader('Connection', 'close');
      sendXml(res, 500, faultEnvelope(error));
    }
  }

  return router;
}

function elapsed(started: bigint): number {
  return Number((process.hrtime.bigint() - started) / 1000n) / 1000;
}
