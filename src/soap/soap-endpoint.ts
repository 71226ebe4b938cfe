import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /**
   * For services whose contract reports errors in the response instead of as faults (PackagingService:
   * `error{code,message}`): the response payload for an error of the call. Errors reading the envelope
   * itself stay faults, since there is no operation to answer.
   */
  readonly inBandError?: (error: ParaphError) => object;
}

export interface SoapEndpointOptions {
  readonly registry: ServiceRegistry;
  readonly maxBodyBytes: number;
  readonly publicBaseUrl: string;
  readonly log: Logger;
}

const XML_CONTENT_TYPE = 'text/xml;charset=UTF-8';

/**
 * The Content-Type goes out exactly so: some clients compare it, and express would rewrite it. Headers
 * given to writeHead as a list skip Node's header bookkeeping (merged with any set before, such as
 * `Connection: close`), and the text is encoded once, by the socket write.
 */
function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, ['Content-Type', contentType, 'Content-Length', String(Buffer.byteLength(text, 'utf8'))]);
  res.end(text, 'utf8');
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  send(res, status, XML_CONTENT_TYPE, xml);
}

/** A plain Node request handler for one SOAP service; it answers only requests for its path. */
export interface SoapEndpoint {
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * The edge is a plain Node handler rather than an express route: a SOAP call needs none of express's
 * request decoration, and skipping it is a measurable share of a small call (docs/performance.md).
 */
export function soapEndpoint(definition: SoapServiceDefinition, options: SoapEndpointOptions): SoapEndpoint {
  const { description, handlers } = definition;
  for (const op of description.operationsByElement.values()) {
    if (!handlers[op.name]) throw new Error(`${description.path}: no handler for ${op.name}`);
  }
  const wsdl = description.renderWsdl(options.publicBaseUrl);
  // The timing of each call is logged only at debug level; below it, neither clock nor entry is made.
  const debug = options.log.enabled('debug');
  const about = `${description.path}: SOAP 1.1 endpoint. WSDL: ${options.publicBaseUrl}${description.path}?wsdl\n`;

  const get = (req: IncomingMessage, res: ServerResponse): void => {
    const query = (req.url ?? '').split('?')[1] ?? '';
    if (query.split('&').some((p) => p.split('=')[0]?.toLowerCase() === 'wsdl')) {
      send(res, 200, XML_CONTENT_TYPE, wsdl);
      return;
    }
    send(res, 200, 'text/plain;charset=UTF-8', about);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = debug ? process.hrtime.bigint() : 0n;
    let operation = '-';
    let service: string | undefined;
    try {
      const body = await readBody(req, options.maxBodyBytes);
      if (body.length === 0) throw new ParaphError('BODY_EMPTY', 'The request body is empty');
      const payload = readEnvelope(body.toString('utf8'));
      const op = description.operationsByElement.get(payload.localName);
      if (!op) {
        throw new ParaphError('OPERATION_UNKNOWN', `Unknown operation: no operation takes <${payload.localName}>`);
      }
      operation = op.name;
      const input = decodePayload(description.schema, payload, op.inputElement);
      service = typeof input.service === 'string' ? input.service : undefined;
      let result: object | void;
      try {
        const account = options.registry.authenticate(
          service,
          typeof input.password === 'string' ? input.password : undefined,
        );
        result = await (handlers[op.name] as OperationHandler)(input, account);
      } catch (err) {
        if (!definition.inBandError) throw err;
        const error = asParaphError(err);
        if (error.code === 'INTERNAL_ERROR') {
          options.log.error('soap call failed', { path: description.path, operation, service, error: String(err) });
        } else {
          options.log.info('soap error in band', { path: description.path, operation, service, code: error.code });
        }
        result = definition.inBandError(error);
      }
      const xml =
        op.outputElement === undefined
          ? undefined
          : encodePayload(description.schema, op.outputElement, (result ?? {}) as WireObject);
      sendXml(res, 200, responseEnvelope(xml));
      if (debug) options.log.debug('soap call', { path: description.path, operation, service, ms: elapsed(started) });
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

  return {
    path: description.path,
    handle: (req, res) => {
      if (req.method === 'POST') {
        void handle(req, res);
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        get(req, res);
      } else {
        res.setHeader('Allow', 'GET, POST');
        send(res, 405, 'text/plain;charset=UTF-8', 'Use POST for SOAP calls, GET ?wsdl for the WSDL\n');
      }
    },
  };
}

function elapsed(started: bigint): number {
  return Number((process.hrtime.bigint() - started) / 1000n) / 1000;
}
