/**
 * A tiny DocumentService v3 client for behaviour tests: it posts real SOAP 1.1 envelopes to an
 * in-process Paraph and reads the answers with xmldom + XPath, the way a client would see them.
 */
import { DOMParser, XMLSerializer, type Node as XmldomNode } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { DOC_NS, SERVICES, soapPost } from '../helpers/paraph';

export { DOC_NS };
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const FAULT_NS = 'urn:paraph:fault';

export interface Account {
  readonly name: string;
  readonly password: string;
}

/** WSDL operation name → the stem of its payload elements (`{stem}-request` / `{stem}-response`). */
const STEMS = {
  createRequest: 'create-request',
  getRequest: 'get-request',
  deleteRequest: 'delete-request',
  createArtifact: 'create-artifact',
  addNotification: 'add-notification',
  disableNotification: 'disable-notification',
  getTask: 'get-task',
  findTasks: 'find-tasks',
  getTaskCount: 'get-task-count',
  addTask: 'add-task',
  disableTask: 'disable-task',
  getStatus: 'get-status',
  setClientStatus: 'set-client-status',
  getRequestHistory: 'get-request-history',
  createUserSession: 'create-usersession',
  getPackagingTaskStatus: 'get-packaging-task-status',
} as const;

export type Operation = keyof typeof STEMS;

/** Operations whose output message has no parts: they answer an empty soap:Body. */
const VOID_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'setClientStatus',
  'addNotification',
  'disableTask',
  'disableNotification',
]);

export type Reply =
  | { readonly kind: 'ok'; readonly status: number; readonly body: string; readonly payload: Element | undefined }
  | {
      readonly kind: 'fault';
      readonly status: number;
      readonly body: string;
      readonly faultcode: string;
      /** The namespace the faultcode's prefix is bound to. */
      readonly faultcodeNamespace: string | null;
      readonly faultstring: string;
      /** `<detail><paraph:error><paraph:code>` */
      readonly code: string;
    };

const select = xpath.useNamespaces({ d: DOC_NS, soap: SOAP_ENV_NS, xsi: XSI_NS, f: FAULT_NS });

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
}

/** Every element the expression selects (relative to `context`). */
export function elements(expr: string, context: Node): Element[] {
  const found = select(expr, context);
  if (!Array.isArray(found)) throw new Error(`${expr} does not select nodes`);
  return found.filter((n): n is Element => n.nodeType === 1);
}

export function element(expr: string, context: Node): Element | undefined {
  return elements(expr, context)[0];
}

/** Text of the first node the expression selects, or undefined when it selects nothing. */
export function text(expr: string, context: Node): string | undefined {
  const found = select(expr, context);
  if (!Array.isArray(found)) return found === null ? undefined : String(found);
  const first = found[0];
  return first === undefined ? undefined : (first.textContent ?? '');
}

export function texts(expr: string, context: Node): string[] {
  const found = select(expr, context);
  if (!Array.isArray(found)) throw new Error(`${expr} does not select nodes`);
  return found.map((n) => n.textContent ?? '');
}

/** Text of the first node, failing the test when there is none. */
export function mustText(expr: string, context: Node): string {
  const value = text(expr, context);
  if (value === undefined) throw new Error(`nothing at ${expr} in ${serialize(context)}`);
  return value;
}

export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node as unknown as XmldomNode);
}

/** Escapes text for element content and attribute values. */
export function esc(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** The `{namespace, local}` an `xsi:type` QName stands for, resolved against the element's scope. */
export function xsiTypeOf(el: Element): { namespace: string | null; local: string } | undefined {
  const raw = el.getAttributeNS(XSI_NS, 'type');
  if (!raw) return undefined;
  const colon = raw.indexOf(':');
  const prefix = colon < 0 ? null : raw.slice(0, colon);
  return { namespace: el.lookupNamespaceURI(prefix), local: colon < 0 ? raw : raw.slice(colon + 1) };
}

export class DocumentService {
  constructor(
    readonly url: string,
    readonly account: Account = SERVICES.demo,
  ) {}

  /** The same service, called with other credentials. */
  as(account: Account): DocumentService {
    return new DocumentService(this.url, account);
  }

  /**
   * Posts `<{op}-request>` with service and password followed by `inner`, the way WCF writes it
   * (tns as default namespace, xsi and xsd declared on the Body), and reads the answer.
   */
  async call(op: Operation, inner: string): Promise<Reply> {
    const stem = STEMS[op];
    const xml =
      `<soap:Envelope xmlns:soap="${SOAP_ENV_NS}"><soap:Body xmlns:xsi="${XSI_NS}" xmlns:xsd="${XSD_NS}">` +
      `<${stem}-request xmlns="${DOC_NS}"><service>${esc(this.account.name)}</service>` +
      `<password>${esc(this.account.password)}</password>${inner}</${stem}-request></soap:Body></soap:Envelope>`;
    const res = await soapPost(this.url, xml);
    const doc = parse(res.body);
    const fault = element('/soap:Envelope/soap:Body/soap:Fault', doc);
    if (fault) {
      const faultcode = (text('faultcode', fault) ?? '').trim();
      const colon = faultcode.indexOf(':');
      const faultcodeElement = element('faultcode', fault);
      return {
        kind: 'fault',
        status: res.status,
        body: res.body,
        faultcode,
        faultcodeNamespace: faultcodeElement?.lookupNamespaceURI(colon < 0 ? null : faultcode.slice(0, colon)) ?? null,
        faultstring: text('faultstring', fault) ?? '',
        code: text('detail/f:error/f:code', fault) ?? '',
      };
    }
    const payload = element(`/soap:Envelope/soap:Body/d:${stem}-response`, doc);
    return { kind: 'ok', status: res.status, body: res.body, payload };
  }

  /** A successful call with a response payload: returns the payload element. */
  async ok(op: Operation, inner: string): Promise<Element> {
    if (VOID_OPERATIONS.has(op)) throw new Error(`${op} has no response payload; use done()`);
    const reply = await this.call(op, inner);
    if (reply.kind === 'fault') throw new Error(`${op} failed with ${reply.code}: ${reply.faultstring}`);
    if (reply.status !== 200 || !reply.payload) {
      throw new Error(`${op}: expected HTTP 200 with <${STEMS[op]}-response>, got ${reply.status}: ${reply.body}`);
    }
    return reply.payload;
  }

  /** A successful void call: HTTP 200 and an empty soap:Body. */
  async done(op: Operation, inner: string): Promise<void> {
    const reply = await this.call(op, inner);
    if (reply.kind === 'fault') throw new Error(`${op} failed with ${reply.code}: ${reply.faultstring}`);
    const body = element('/soap:Envelope/soap:Body', parse(reply.body));
    if (reply.status !== 200 || !body || elements('*', body).length > 0) {
      throw new Error(`${op}: expected HTTP 200 and an empty soap:Body, got ${reply.status}: ${reply.body}`);
    }
  }

  /** A call that must fail: returns the fault's code (and checks it is a proper SOAP 1.1 fault). */
  async fault(op: Operation, inner: string): Promise<string> {
    const reply = await this.call(op, inner);
    if (reply.kind !== 'fault') throw new Error(`${op}: expected a fault, got HTTP ${reply.status}: ${reply.body}`);
    if (reply.status !== 500) throw new Error(`${op}: a fault must come with HTTP 500, got ${reply.status}`);
    return reply.code;
  }
}
