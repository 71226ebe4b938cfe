import type { ParaphError } from '../errors';
import { escapeText } from './encode';

export const FAULT_DETAIL_NS = 'urn:paraph:fault';

/**
 * A SOAP 1.1 fault: `soap:Client` for the caller's mistakes, `soap:Server` otherwise; the faultstring
 * is the message (what WCF's FaultException, JAX-WS's SOAPFaultException and PHP's SoapFault show),
 * the detail carries the stable code from the catalogue.
 */
export function faultEnvelope(error: ParaphError): string {
  const faultcode = error.party === 'client' ? 'soap:Client' : 'soap:Server';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `<faultcode>${faultcode}</faultcode><faultstring>${escapeText(error.message)}</faultstring>` +
    `<detail><paraph:error xmlns:paraph="${FAULT_DETAIL_NS}"><paraph:code>${error.code}</paraph:code>` +
    '</paraph:error></detail></soap:Fault></soap:Body></soap:Envelope>'
  );
}

export function responseEnvelope(payload: string | undefined): string {
  const body = payload === undefined ? '<soap:Body/>' : `<soap:Body>${payload}</soap:Body>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">${body}</soap:Envelope>`
  );
}
