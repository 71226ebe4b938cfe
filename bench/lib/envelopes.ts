/**
 * The request bodies of the SOAP benchmarks. createRequest is the call a WCF client generates for a
 * one-signer order (as in fixtures/contract/createRequest__wcf-sds-document: service demo, an SDS
 * document uploaded by the bench); getStatus is WCF's getStatus for one request. The echo envelope is padded
 * to the byte length of the Paraph envelope it stands against.
 */
export const DOCUMENT_V3_NS = 'https://id.signicat.com/definitions/wsdl/Document-v3';
export const ECHO_NS = 'urn:paraph:bench:echo';

/** Headers WCF sends (BasicHttpBinding, SOAP 1.1); used for both Paraph and the echo baseline. */
export const SOAP_HEADERS = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' } as const;

export function createRequestEnvelope(service: string, password: string, sdsId: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <create-request-request xmlns="${DOCUMENT_V3_NS}">
      <service>${service}</service>
      <password>${password}</password>
      <request>
        <profile>default</profile>
        <language>nb</language>
        <subject id="subj_1">
          <mobile>99999999</mobile>
        </subject>
        <document xsi:type="sds-document" id="Kontrakt" ref-sds-id="${sdsId}">
          <description>Kontrakt</description>
        </document>
        <task id="task_1" bundle="true">
          <subject-ref>subj_1</subject-ref>
          <document-action type="sign">
            <document-ref>Kontrakt</document-ref>
          </document-action>
          <notification type="URL" notification-id="req_callback_0">
            <recipient>https://client.example/api/Callback/GetSigning?orgname=acme</recipient>
            <message>callbackurl</message>
            <schedule>
              <state-is>completed</state-is>
            </schedule>
          </notification>
          <on-task-complete>https://client.example/api/Callback/Landingpage?lcid=1044</on-task-complete>
          <signature responsive="true">
            <method handwritten="true">nbid-sign</method>
            <method handwritten="true">nbid-mobil-sign</method>
          </signature>
        </task>
        <client-reference>cliref1</client-reference>
      </request>
    </create-request-request>
  </s:Body>
</s:Envelope>
`;
}

export function getStatusEnvelope(service: string, password: string, requestId: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <get-status-request xmlns="${DOCUMENT_V3_NS}">
      <service>${service}</service>
      <password>${password}</password>
      <request-id>${requestId}</request-id>
    </get-status-request>
  </s:Body>
</s:Envelope>
`;
}

function echoEnvelope(text: string): string {
  return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <echo-request xmlns="${ECHO_NS}">
      <text>${text}</text>
    </echo-request>
  </s:Body>
</s:Envelope>
`;
}

/** An echo envelope of exactly `bytes` bytes (UTF-8), its string padded with letters. */
export function paddedEchoEnvelope(bytes: number): { envelope: string; text: string } {
  const overhead = Buffer.byteLength(echoEnvelope(''), 'utf8');
  if (bytes < overhead) throw new Error(`cannot make an echo envelope of ${bytes} bytes (minimum ${overhead})`);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let text = '';
  for (let i = 0; text.length < bytes - overhead; i++) text += alphabet[i % alphabet.length];
  const envelope = echoEnvelope(text);
  if (Buffer.byteLength(envelope, 'utf8') !== bytes) throw new Error('echo envelope padding is off');
  return { envelope, text };
}
