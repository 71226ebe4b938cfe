#!/usr/bin/python3
"""Drives one whole DocumentService v3 order through Python's zeep, the way a legacy Python client would.

Usage: /usr/bin/python3 order_life.py BASE_URL [SCENARIO]

Before the order is deleted its tasks are signed through the emulator control API (urllib with a JSON body,
as a CI harness would), and the two signatures of its PDF are packaged through PackagingService v4 and read
back and removed through ArchiveService v3, each with a zeep client of its own.

The order's values (credentials, ids, subjects, documents, ...) come from SCENARIO, the scenario file every
interop client reads (default: fixtures/interop/scenario.properties of this repository).

Every step prints exactly one line, `PASS <step>` or `FAIL <step>: <reason>`; the exit code is 1 when
any step failed. Each step asserts the values that come back, not only that a call returned. The
expected values are those of the wire contract (CONTRACT.md sections 0, 1 and 4), not whatever the
server happens to answer.
"""

import base64
import datetime
import json
from pathlib import Path
import re
import sys
import traceback
import urllib.error
import urllib.request

import zeep
import zeep.exceptions
from zeep import xsd
from zeep.plugins import HistoryPlugin

DOC_NS = 'https://id.signicat.com/definitions/wsdl/Document-v3'
XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
ID_RE = re.compile(r'^[0-9]{8}[0-9a-z]{50}$')  # ddMMyyyy + 50 chars = 58 (CONTRACT.md section 4)
TASK_STATUSES = {'created', 'completed', 'rejected', 'expired', 'deleted'}
EVENT_TYPES = {
    'request-created', 'notification-sent', 'task-started', 'task-rejected', 'task-completed', 'error',
    'document-uploaded', 'document-signed', 'document-viewed', 'document-sign-cancelled', 'document-deleted',
    'user-authenticated', 'user-authentication-cancelled',
}

PDF = (
    b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n'
    b'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'
)


def read_scenario(path):
    """The shared scenario file: flat key=value lines, UTF-8, '#' comments."""
    values = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                key, _, value = line.partition('=')
                values[key.strip()] = value.strip()
    return values


if len(sys.argv) not in (2, 3):
    print('usage: order_life.py BASE_URL [SCENARIO]', file=sys.stderr)
    sys.exit(2)
SC = read_scenario(sys.argv[2] if len(sys.argv) == 3 else Path(__file__).resolve().parents[3] / 'fixtures/interop/scenario.properties')
SERVICE, PASSWORD = SC['service'], SC['password']
OTHER_SERVICE, OTHER_PASSWORD = SC['otherService'], SC['otherPassword']
T1, T2, T3 = SC['task1Id'], SC['task2Id'], SC['task3Id']
SDS_DOC, TEXT_DOC = SC['sdsDocumentId'], SC['textDocumentId']
SDS_TYPE, TEXT_TYPE = SC['sdsContentType'], SC['textDocumentMimeType']
REF_SUBJ = SC['refSubjectId']
TEXT = SC['textDocumentContent']
TEXT_BYTES = TEXT.encode('utf-8')
CLIENT_REF = SC['clientReference']
CLIENT_STATUS = SC['clientStatus']

results = []  # (ok, step)
state = {}


class Skip(Exception):
    pass


def step(name):
    """Runs fn as one report line. A step whose prerequisites failed reports FAIL too (never silently)."""

    def run(fn):
        try:
            fn()
        except Skip as e:
            print(f'FAIL {name}: skipped, {e}', flush=True)
            results.append((False, name))
        except AssertionError as e:
            print(f'FAIL {name}: {e}', flush=True)
            results.append((False, name))
        except zeep.exceptions.Fault as e:
            print(f'FAIL {name}: unexpected SOAP fault {e.code}: {e.message}', flush=True)
            results.append((False, name))
        except Exception as e:  # noqa: BLE001 - any error is this step's failure
            tb = traceback.format_exc().strip().splitlines()
            where = tb[-3].strip() if len(tb) >= 3 else ''
            print(f'FAIL {name}: {type(e).__name__}: {e} [{where}]', flush=True)
            results.append((False, name))
        else:
            print(f'PASS {name}', flush=True)
            results.append((True, name))
        return fn

    return run


def need(*keys):
    for k in keys:
        if k not in state:
            raise Skip(f'needs {k} from an earlier step')
    return [state[k] for k in keys] if len(keys) > 1 else state[keys[0]]


def eq(actual, expected, what):
    assert actual == expected, f'{what}: expected {expected!r}, got {actual!r}'


def g(obj, name):
    """A field of a zeep object by its XML name (names contain hyphens)."""
    assert obj is not None, f'object holding {name!r} is None'
    return obj[name]


def xsd_type_name(obj):
    t = getattr(obj, '_xsd_type', None)
    assert t is not None, f'{obj!r} is not a zeep typed object'
    return t.qname.localname if t.qname is not None else None


def as_list(v):
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def basic(service, password):
    return 'Basic ' + base64.b64encode(f'{service}:{password}'.encode()).decode()


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def expect_fault(call, what):
    try:
        result = call()
    except zeep.exceptions.Fault as fault:
        return fault
    raise AssertionError(f'{what}: expected a SOAP fault, got {result!r}')


def recent(dt, what, slack_s=600):
    assert isinstance(dt, datetime.datetime), f'{what}: expected a datetime, got {dt!r}'
    assert dt.tzinfo is not None, f'{what}: {dt!r} has no time zone'
    delta = abs((datetime.datetime.now(datetime.timezone.utc) - dt).total_seconds())
    assert delta < slack_s, f'{what}: {dt.isoformat()} is {delta:.0f}s away from now'


# ----------------------------------------------------------------------------------------------------

BASE = sys.argv[1].rstrip('/')
WSDL_URL = f'{BASE}/ws/documentservice-v3?wsdl'
history = HistoryPlugin()
client = None
svc = None


@step('wsdl: zeep builds a client from the served WSDL, soap:address points at the server')
def _():
    global client, svc
    client = zeep.Client(WSDL_URL, plugins=[history])
    svc = client.service
    address = svc._binding_options['address']
    eq(address, f'{BASE}/ws/documentservice-v3', 'soap:address location')
    eq(client.wsdl.types.get_ns_prefix('ns0'), DOC_NS, 'ns0 prefix')
    ops = set(client.wsdl.bindings[f'{{{DOC_NS}}}DocumentServiceSoapBinding']._operations)
    expected = {
        'createRequest', 'getRequest', 'deleteRequest', 'createArtifact', 'addNotification', 'disableNotification',
        'getTask', 'findTasks', 'getTaskCount', 'addTask', 'disableTask', 'getStatus', 'setClientStatus',
        'getRequestHistory', 'createUserSession', 'getPackagingTaskStatus',
    }
    eq(ops, expected, 'operations')
    state['client'] = client


@step('sds upload: POST /doc/demo/sds -> 201, 58-char id, Location')
def _():
    status, headers, body = http(
        'POST', f'{BASE}/doc/{SERVICE}/sds', PDF,
        {'Content-Type': SDS_TYPE, 'Authorization': basic(SERVICE, PASSWORD)},
    )
    eq(status, 201, 'HTTP status')
    sds_id = body.decode('ascii')
    eq(len(sds_id), 58, f'id length of {sds_id!r}')
    assert ID_RE.match(sds_id), f'id {sds_id!r} is not ddMMyyyy + [0-9a-z]'
    location = headers.get('Location')
    assert location, 'no Location header'
    assert location.rstrip('/').endswith('/' + sds_id), f'Location {location!r} does not end with the id'
    assert location.startswith('/doc/') or location.startswith(f'{BASE}/doc/'), f'Location {location!r}'
    assert headers.get('Content-Type', '').startswith('text/plain'), f"Content-Type {headers.get('Content-Type')!r}"
    # The stored bytes and MIME type come back unchanged.
    status, headers, got = http('GET', f'{BASE}/doc/{SERVICE}/sds/{sds_id}', None, {'Authorization': basic(SERVICE, PASSWORD)})
    eq(status, 200, 'download status')
    eq(headers.get('Content-Type'), SDS_TYPE, 'download Content-Type')
    eq(got, PDF, 'downloaded bytes')
    state['sds_id'] = sds_id


def T(name):
    return need('client').get_type(f'ns0:{name}')


TASK1_SUBJECT = {
    'national-id': SC['task1SubjectNationalId'], 'first-name': SC['task1SubjectFirstName'],
    'last-name': SC['task1SubjectLastName'], 'email': SC['task1SubjectEmail'],
}


def build_request(sds_id):
    SdsDocument, ProvidedDocument = T('sds-document'), T('provided-document')
    return {
        'profile': SC['profile'],
        'language': SC['language'],
        'subject': [{
            'id': REF_SUBJ,
            'national-id': SC['refSubjectNationalId'],
            'first-name': SC['refSubjectFirstName'],
            'last-name': SC['refSubjectLastName'],
        }],
        'document': [
            SdsDocument(**{
                'id': SDS_DOC, 'ref-sds-id': sds_id, 'description': SC['sdsDocumentDescription'],
                'external-reference': 'ext-1', 'send-to-archive': False,
            }),
            ProvidedDocument(**{
                'id': TEXT_DOC, 'mime-type': TEXT_TYPE, 'data': TEXT_BYTES, 'description': SC['textDocumentDescription'],
            }),
        ],
        'task': [
            {
                'id': T1,
                'bundle': False,
                'subject': TASK1_SUBJECT,
                'days-to-live': 14,
                'dialog': {'title': 'Signer avtalen', 'message': 'Vennligst signer \u00e6\u00f8\u00e5'},
                'document-action': [
                    {'type': 'sign', 'document-ref': SDS_DOC, 'order-index': 1},
                    {'type': 'sign', 'document-ref': TEXT_DOC, 'order-index': 2},
                ],
                'notification': [{
                    'type': 'URL', 'notification-id': SC['task1NotificationId'], 'recipient': SC['task1NotificationRecipient'],
                    'message': SC['task1NotificationMessage'], 'schedule': [{'state-is': SC['task1NotificationStateIs']}],
                }],
                'authentication': {'artifact': True, 'method': ['nbid']},
                'on-task-complete': 'https://client.example/done?r=${requestId}&t=${taskId}',
                'on-task-cancel': 'https://client.example/cancel',
                'language': 'en',
                'signature': [{'method': [{'_value_1': 'nbid-sign'}], 'responsive': True}],
            },
            {
                'id': T2,
                'subject-ref': REF_SUBJ,
                'document-action': [{'type': 'sign', 'document-ref': SDS_DOC}],
                'depends-on-task': [T1],
                'signature': [{'method': [{'_value_1': 'nbid-sign'}]}],
            },
        ],
        'client-reference': CLIENT_REF,
        'notification': [{
            'type': 'EMAIL', 'notification-id': 'mail_1', 'recipient': 'owner@example.com',
            'sender': 'noreply@example.com', 'header': 'Ordre \u00e6\u00f8\u00e5', 'message': 'Se ${taskUrl}',
            'schedule': [{'state-is': 'created'}],
        }],
    }


@step('createRequest: one request-id (58 chars) and an artifact; documents sent with xsi:type')
def _():
    sds_id = need('sds_id')
    res = svc.createRequest(service=SERVICE, password=PASSWORD, request=[build_request(sds_id)])
    ids = as_list(g(res, 'request-id'))
    eq(len(ids), 1, 'number of request-ids')
    assert ID_RE.match(ids[0]), f'request-id {ids[0]!r} is not a 58-char id'
    artifact = g(res, 'artifact')
    assert isinstance(artifact, str) and artifact.strip(), f'artifact: expected a non-empty string, got {artifact!r}'
    # What zeep put on the wire: each document carries xsi:type naming its subtype in the service namespace.
    sent = history.last_sent['envelope']
    docs = sent.findall(f'.//{{{DOC_NS}}}request/{{{DOC_NS}}}document')
    eq(len(docs), 2, 'documents sent')
    types = []
    for d in docs:
        raw = d.get(f'{{{XSI_NS}}}type')
        assert raw and ':' in raw, f'document sent without a prefixed xsi:type: {raw!r}'
        prefix, local = raw.split(':', 1)
        eq(d.nsmap.get(prefix), DOC_NS, f'namespace of xsi:type prefix {prefix!r}')
        types.append(local)
    eq(types, ['sds-document', 'provided-document'], 'xsi:types sent')
    state['request_id'] = ids[0]
    state['artifact'] = artifact


def check_subject_1(s, what):
    eq(g(s, 'id'), REF_SUBJ, f'{what} @id')
    eq(g(s, 'national-id'), SC['refSubjectNationalId'], f'{what} national-id')
    eq(g(s, 'first-name'), SC['refSubjectFirstName'], f'{what} first-name')
    eq(g(s, 'last-name'), SC['refSubjectLastName'], f'{what} last-name')
    eq(g(s, 'mobile'), None, f'{what} mobile')
    eq(g(s, 'email'), None, f'{what} email')
    eq(g(s, 'username'), None, f'{what} username')


def check_task_1(t, what):
    eq(g(t, 'id'), T1, f'{what} @id')
    eq(g(t, 'bundle'), False, f'{what} @bundle')
    eq(g(t, 'subject-ref'), None, f'{what} subject-ref (it has an inline subject)')
    s = g(t, 'subject')
    eq((g(s, 'national-id'), g(s, 'first-name'), g(s, 'last-name'), g(s, 'email')),
       tuple(TASK1_SUBJECT[k] for k in ('national-id', 'first-name', 'last-name', 'email')), f'{what} inline subject')
    eq(g(t, 'days-to-live'), 14, f'{what} days-to-live')
    eq(g(g(t, 'dialog'), 'title'), 'Signer avtalen', f'{what} dialog/title')
    eq(g(g(t, 'dialog'), 'message'), 'Vennligst signer \u00e6\u00f8\u00e5', f'{what} dialog/message')
    actions = as_list(g(t, 'document-action'))
    eq(len(actions), 2, f'{what} document-actions')
    eq((g(actions[0], 'type'), g(actions[0], 'document-ref'), g(actions[0], 'order-index')), ('sign', SDS_DOC, 1),
       f'{what} document-action[1]')
    eq(g(actions[0], 'document'), None, f'{what} document-action[1]/document')
    eq((g(actions[1], 'type'), g(actions[1], 'document-ref'), g(actions[1], 'order-index')),
       ('sign', TEXT_DOC, 2), f'{what} document-action[2]')
    eq(g(actions[1], 'document'), None, f'{what} document-action[2]/document')
    notes = as_list(g(t, 'notification'))
    eq(len(notes), 1, f'{what} notifications')
    n = notes[0]
    eq((g(n, 'type'), g(n, 'notification-id'), g(n, 'recipient'), g(n, 'message')),
       ('URL', SC['task1NotificationId'], SC['task1NotificationRecipient'], SC['task1NotificationMessage']),
       f'{what} notification')
    sched = as_list(g(n, 'schedule'))
    eq([g(s, 'state-is') for s in sched], [SC['task1NotificationStateIs']], f'{what} notification/schedule/state-is')
    auth = g(t, 'authentication')
    eq(g(auth, 'artifact'), True, f'{what} authentication/@artifact')
    eq(as_list(g(auth, 'method')), ['nbid'], f'{what} authentication/method')
    eq(g(t, 'on-task-complete'), 'https://client.example/done?r=${requestId}&t=${taskId}', f'{what} on-task-complete')
    eq(g(t, 'on-task-cancel'), 'https://client.example/cancel', f'{what} on-task-cancel')
    eq(g(t, 'language'), 'en', f'{what} language')
    eq(as_list(g(t, 'depends-on-task')), [], f'{what} depends-on-task')
    sigs = as_list(g(t, 'signature'))
    eq(len(sigs), 1, f'{what} signatures')
    eq(g(sigs[0], 'responsive'), True, f'{what} signature/@responsive')
    eq([m['_value_1'] for m in as_list(g(sigs[0], 'method'))], ['nbid-sign'], f'{what} signature/method')


def check_task_2(t, what):
    eq(g(t, 'id'), T2, f'{what} @id')
    eq(g(t, 'subject-ref'), REF_SUBJ, f'{what} subject-ref')
    eq(g(t, 'subject'), None, f'{what} subject (it uses subject-ref)')
    eq(g(t, 'days-to-live'), None, f'{what} days-to-live')
    actions = as_list(g(t, 'document-action'))
    eq([(g(a, 'type'), g(a, 'document-ref')) for a in actions], [('sign', SDS_DOC)], f'{what} document-actions')
    eq(g(actions[0], 'document'), None, f'{what} document-action[1]/document')
    eq(as_list(g(t, 'depends-on-task')), [T1], f'{what} depends-on-task')
    eq(g(t, 'authentication'), None, f'{what} authentication')
    eq(as_list(g(t, 'notification')), [], f'{what} notifications')


@step('getRequest: documents come back as their own subtypes; subjects, tasks, notifications as sent')
def _():
    rid = need('request_id')
    res = svc.getRequest(service=SERVICE, password=PASSWORD, **{'request-id': rid})
    r = res if xsd_type_name(res) == 'request' else g(res, 'request')
    eq(xsd_type_name(r), 'request', 'payload type')
    eq(g(r, 'profile'), SC['profile'], 'profile')
    eq(g(r, 'language'), SC['language'], 'language')
    eq(g(r, 'client-reference'), CLIENT_REF, 'client-reference')
    eq(g(r, 'days-until-deletion'), None, 'days-until-deletion')
    subjects = as_list(g(r, 'subject'))
    eq(len(subjects), 1, 'subjects')
    check_subject_1(subjects[0], 'subject[1]')

    docs = as_list(g(r, 'document'))
    eq([xsd_type_name(d) for d in docs], ['sds-document', 'provided-document'], 'document subtypes')
    d1, d2 = docs
    eq(g(d1, 'id'), SDS_DOC, 'doc_1 @id')
    eq(g(d1, 'ref-sds-id'), state['sds_id'], 'doc_1 @ref-sds-id')
    eq(g(d1, 'description'), SC['sdsDocumentDescription'], 'doc_1 description')
    eq(g(d1, 'external-reference'), 'ext-1', 'doc_1 external-reference')
    eq(g(d1, 'send-to-archive'), False, 'doc_1 @send-to-archive')
    eq(g(d2, 'id'), TEXT_DOC, 'doc_2 @id')
    eq(g(d2, 'mime-type'), TEXT_TYPE, 'doc_2 @mime-type')
    eq(g(d2, 'description'), SC['textDocumentDescription'], 'doc_2 description')
    eq(g(d2, 'data'), TEXT_BYTES, 'doc_2 data (base64-decoded bytes)')
    eq(g(d2, 'data').decode('utf-8'), TEXT, 'doc_2 data as UTF-8 text')

    tasks = as_list(g(r, 'task'))
    eq([g(t, 'id') for t in tasks], [T1, T2], 'task ids')
    check_task_1(tasks[0], T1)
    check_task_2(tasks[1], T2)

    notes = as_list(g(r, 'notification'))
    eq(len(notes), 1, 'request notifications')
    n = notes[0]
    eq((g(n, 'type'), g(n, 'notification-id'), g(n, 'recipient'), g(n, 'sender'), g(n, 'header'), g(n, 'message')),
       ('EMAIL', 'mail_1', 'owner@example.com', 'noreply@example.com', 'Ordre \u00e6\u00f8\u00e5', 'Se ${taskUrl}'),
       'request notification')
    eq([g(s, 'state-is') for s in as_list(g(n, 'schedule'))], ['created'], 'request notification schedule')

    # On the wire, each document names its subtype with xsi:type resolved against an in-scope prefix.
    body = history.last_received['envelope']
    raw_docs = body.findall(f'.//{{{DOC_NS}}}request/{{{DOC_NS}}}document')
    eq(len(raw_docs), 2, 'raw document elements')
    for el, want in zip(raw_docs, ['sds-document', 'provided-document']):
        raw = el.get(f'{{{XSI_NS}}}type')
        assert raw, f'{want}: no xsi:type on the wire'
        prefix, _, local = raw.rpartition(':')
        eq(local, want, 'xsi:type local name')
        eq(el.nsmap.get(prefix or None), DOC_NS, f'xsi:type {raw!r} namespace')


def original_uri(rid, tid, did):
    return f'{BASE}/doc/{SERVICE}/order/{rid}/{tid}/{did}/original'


def status_by_task(rid, service=SERVICE, password=PASSWORD):
    infos = as_list(svc.getStatus(service=service, password=password, **{'request-id': [rid]}))
    for i in infos:
        eq(xsd_type_name(i), 'task-status-info', 'getStatus item type')
        eq(g(i, 'request-id'), rid, 'task-status-info request-id')
        assert g(i, 'task-status') in TASK_STATUSES, f"task-status {g(i, 'task-status')!r}"
    by = {g(i, 'task-id'): i for i in infos}
    eq(len(by), len(infos), 'task-ids in getStatus are unique')
    return infos, by


@step('getStatus: one task-status-info per task, created, client-reference, document-status/original-uri')
def _():
    rid = need('request_id')
    infos, by = status_by_task(rid)
    eq([g(i, 'task-id') for i in infos], [T1, T2], 'task-ids')
    for tid, docs in ((T1, [SDS_DOC, TEXT_DOC]), (T2, [SDS_DOC])):
        i = by[tid]
        eq(g(i, 'task-status'), 'created', f'{tid} task-status')
        eq(g(i, 'client-reference'), CLIENT_REF, f'{tid} client-reference')
        eq(g(i, 'client-status'), None, f'{tid} client-status')
        ds = as_list(g(i, 'document-status'))
        eq([g(d, 'id') for d in ds], docs, f'{tid} document-status ids')
        for d in ds:
            eq(g(d, 'original-uri'), original_uri(rid, tid, g(d, 'id')), f"{tid}/{g(d, 'id')} original-uri")
            eq(g(d, 'result-uri'), None, f"{tid}/{g(d, 'id')} result-uri (not signed yet)")
    state['status_1'] = by


@step('original-uri: downloads with Basic auth give the uploaded bytes')
def _():
    by = need('status_1')
    auth = {'Authorization': basic(SERVICE, PASSWORD)}
    wanted = {
        (T1, SDS_DOC): PDF, (T1, TEXT_DOC): TEXT_BYTES, (T2, SDS_DOC): PDF,
    }
    for (tid, did), content in wanted.items():
        uri = next(g(d, 'original-uri') for d in as_list(g(by[tid], 'document-status')) if g(d, 'id') == did)
        status, headers, got = http('GET', uri, None, auth)
        eq(status, 200, f'{tid}/{did} status')
        eq(got, content, f'{tid}/{did} bytes')
        ctype = headers.get('Content-Type', '')
        want_type = SDS_TYPE if content == PDF else TEXT_TYPE
        assert ctype.startswith(want_type), f'{tid}/{did} Content-Type {ctype!r}'
    # Without credentials the server challenges (non-preemptive clients rely on it).
    uri = original_uri(state['request_id'], T1, SDS_DOC)
    status, headers, _ = http('GET', uri)
    eq(status, 401, 'status without credentials')
    assert headers.get('WWW-Authenticate', '').lower().startswith('basic'), 'WWW-Authenticate: Basic'


def criteria(field, value, operator='equals'):
    return {'field': field, 'value': xsd.AnyObject(xsd.String(), value), 'operator': operator}


def find(filter_, **kw):
    args = {'service': SERVICE, 'password': PASSWORD, 'filter': filter_}
    args.update({k.replace('_', '-'): v for k, v in kw.items()})
    res = svc.findTasks(**args)
    items = as_list(res)
    for t in items:
        eq(xsd_type_name(t), 'task-info', 'findTasks item type')
    return items


@step('findTasks: criteria value typed xs:string (task-id equals task_1) -> one task-info with its attributes')
def _():
    rid = need('request_id')
    items = find({'criteria': [criteria('request-id', rid), criteria('task-id', T1)]})
    # What zeep sent: <value xsi:type="xs:string">.
    sent = history.last_sent['envelope']
    values = sent.findall(f'.//{{{DOC_NS}}}criteria/{{{DOC_NS}}}value')
    eq(len(values), 2, 'criteria values sent')
    for v in values:
        raw = v.get(f'{{{XSI_NS}}}type') or ''
        prefix, _, local = raw.rpartition(':')
        eq((v.nsmap.get(prefix), local), ('http://www.w3.org/2001/XMLSchema', 'string'), 'value xsi:type')
    eq(len(items), 1, 'number of task-infos')
    t = items[0]
    eq(g(t, 'request-id'), rid, 'request-id')
    eq(g(t, 'task-id'), T1, 'task-id')
    eq(g(t, 'task-status'), 'created', 'task-status')
    eq(g(t, 'client-reference'), CLIENT_REF, 'client-reference')
    eq(g(t, 'client-status'), None, 'client-status')
    eq(g(t, 'subject-first-name'), SC['task1SubjectFirstName'], 'subject-first-name (inline subject)')
    eq(g(t, 'subject-last-name'), SC['task1SubjectLastName'], 'subject-last-name')
    eq(g(t, 'subject-email'), SC['task1SubjectEmail'], 'subject-email')
    eq(g(t, 'subject-national-id'), SC['task1SubjectNationalId'], 'subject-national-id')
    eq(g(t, 'subject-mobile'), None, 'subject-mobile')
    eq(g(t, 'days-to-live'), 14, 'days-to-live')
    eq(g(t, 'language'), 'en', 'language (task override)')
    eq(g(t, 'document-id'), SDS_DOC, 'document-id (first document)')
    eq(g(t, 'document-description'), SC['sdsDocumentDescription'], 'document-description')
    eq(g(t, 'mime-type'), SDS_TYPE, 'mime-type (of the uploaded PDF)')
    assert g(t, 'id'), 'id is empty'
    recent(g(t, 'created'), 'created')
    recent(g(t, 'last-updated'), 'last-updated')
    assert g(t, 'last-updated') >= g(t, 'created'), 'last-updated before created'
    state['task_1_info_id'] = g(t, 'id')

    # The subject task_2 references is reported too.
    items = find({'criteria': [criteria('request-id', rid), criteria('task-id', T2)]})
    eq([(g(t, 'task-id'), g(t, 'subject-first-name'), g(t, 'subject-national-id')) for t in items],
       [(T2, SC['refSubjectFirstName'], SC['refSubjectNationalId'])], 'task_2 task-info (via subject-ref)')
    # not-equals: the other task of the request.
    items = find({'criteria': [criteria('request-id', rid), criteria('task-id', T1, 'not-equals')]})
    eq([g(t, 'task-id') for t in items], [T2], 'not-equals task_1')
    # Nothing matches an unknown task id: an empty result, not an error.
    eq(find({'criteria': [criteria('request-id', rid), criteria('task-id', 'no-such-task')]}), [], 'unknown task-id')


PAGE_TASKS = ['p03', 'p01', 'p05', 'p02', 'p04']


@step('findTasks paging: from-index/to-index, sort-field task-id, ascending true/false')
def _():
    sds_id = need('sds_id')
    SdsDocument = T('sds-document')
    req = {
        'document': [SdsDocument(**{'id': 'd', 'ref-sds-id': sds_id, 'description': 'Paging'})],
        'task': [{'id': tid, 'document-action': [{'type': 'sign', 'document-ref': 'd'}]} for tid in PAGE_TASKS],
        'client-reference': 'paging',
    }
    res = svc.createRequest(service=SERVICE, password=PASSWORD, request=[req])
    rid2 = as_list(g(res, 'request-id'))[0]
    eq(g(res, 'artifact'), None, 'artifact (no task asked for one)')
    state['request_id_2'] = rid2
    f = {'criteria': [criteria('request-id', rid2)]}

    def page(fr, to, asc):
        return [g(t, 'task-id') for t in find(f, from_index=fr, to_index=to, sort_field='task-id', ascending=asc)]

    eq(page(0, 100, True), ['p01', 'p02', 'p03', 'p04', 'p05'], 'all ascending')
    eq(page(0, 100, False), ['p05', 'p04', 'p03', 'p02', 'p01'], 'all descending')
    eq(page(0, 2, True), ['p01', 'p02'], 'page 0..2 ascending')
    eq(page(2, 4, True), ['p03', 'p04'], 'page 2..4 ascending')
    eq(page(4, 6, True), ['p05'], 'page 4..6 ascending')
    eq(page(5, 10, True), [], 'page past the end')
    eq(page(0, 2, False), ['p05', 'p04'], 'page 0..2 descending')
    eq(page(1, 3, False), ['p04', 'p03'], 'page 1..3 descending')
    for t in find(f, from_index=0, to_index=100, sort_field='task-id', ascending=True):
        eq((g(t, 'request-id'), g(t, 'client-reference'), g(t, 'task-status'), g(t, 'document-id')),
           (rid2, 'paging', 'created', 'd'), f"{g(t, 'task-id')} task-info")


@step('getTaskCount: the same filters count 1, 5 and 0')
def _():
    rid, rid2 = need('request_id', 'request_id_2')

    def count(criteria_list):
        res = svc.getTaskCount(service=SERVICE, password=PASSWORD, filter={'criteria': criteria_list})
        assert isinstance(res, int), f'count: expected an int, got {res!r}'
        return res

    eq(count([criteria('request-id', rid), criteria('task-id', T1)]), 1, 'count task_1')
    eq(count([criteria('request-id', rid)]), 2, 'count request 1')
    eq(count([criteria('request-id', rid2)]), 5, 'count request 2')
    eq(count([criteria('request-id', rid2), criteria('task-id', 'p0', 'contains')]), 5, 'count contains p0')
    eq(count([criteria('task-id', 'no-such-task')]), 0, 'count unknown task')


@step('getTask: task_1 and task_2 exactly as sent')
def _():
    rid = need('request_id')
    t1 = svc.getTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T1})
    eq(xsd_type_name(t1), 'task', 'getTask payload type')
    check_task_1(t1, T1)
    t2 = svc.getTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T2})
    check_task_2(t2, T2)
    fault = expect_fault(
        lambda: svc.getTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': 'task_9'}),
        'getTask unknown task')
    assert fault.message, 'fault without a message'


@step('addTask: a third task viewing the sds document; no artifact; it shows in getTask and getStatus')
def _():
    rid = need('request_id')
    res = svc.addTask(service=SERVICE, password=PASSWORD, **{'request-id': rid}, task={
        'id': T3,
        'subject': {'first-name': 'Carl', 'last-name': 'Viewer', 'email': 'carl@example.com'},
        'document-action': [{'type': 'view', 'document-ref': SDS_DOC}],
    })
    eq(res, None, 'addTask artifact (none asked for)')
    t3 = svc.getTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T3})
    eq(g(t3, 'id'), T3, 'task_3 @id')
    eq([(g(a, 'type'), g(a, 'document-ref')) for a in as_list(g(t3, 'document-action'))], [('view', SDS_DOC)],
       'task_3 document-actions')
    eq(g(g(t3, 'subject'), 'last-name'), 'Viewer', 'task_3 subject/last-name')
    infos, by = status_by_task(rid)
    eq([g(i, 'task-id') for i in infos], [T1, T2, T3], 'getStatus task-ids')
    eq(g(by[T3], 'task-status'), 'created', 'task_3 status')
    eq([(g(d, 'id'), g(d, 'original-uri')) for d in as_list(g(by[T3], 'document-status'))],
       [(SDS_DOC, original_uri(rid, T3, SDS_DOC))], 'task_3 document-status')
    r = svc.getRequest(service=SERVICE, password=PASSWORD, **{'request-id': rid})
    eq([g(t, 'id') for t in as_list(g(r, 'task'))], [T1, T2, T3], 'getRequest task ids')
    # A duplicate task id is refused.
    expect_fault(lambda: svc.addTask(service=SERVICE, password=PASSWORD, **{'request-id': rid}, task={
        'id': T3, 'document-action': [{'type': 'view', 'document-ref': SDS_DOC}]}), 'duplicate task id')


@step('setClientStatus: returns nothing; getStatus and findTasks read it back')
def _():
    rid = need('request_id')
    res = svc.setClientStatus(service=SERVICE, password=PASSWORD,
                              **{'request-id': rid, 'task-id': T1, 'client-status': CLIENT_STATUS})
    eq(res, None, 'setClientStatus result')
    _, by = status_by_task(rid)
    eq(g(by[T1], 'client-status'), CLIENT_STATUS, 'getStatus task_1 client-status')
    eq(g(by[T2], 'client-status'), None, 'getStatus task_2 client-status')
    items = find({'criteria': [criteria('request-id', rid), criteria('task-id', T1)]})
    eq([g(t, 'client-status') for t in items], [CLIENT_STATUS], 'findTasks client-status')
    items = find({'criteria': [criteria('client-status', CLIENT_STATUS)]})
    eq([(g(t, 'request-id'), g(t, 'task-id')) for t in items], [(rid, T1)], 'findTasks by client-status')


@step('createArtifact: a new artifact, different from the createRequest one')
def _():
    rid, first = need('request_id', 'artifact')
    a = svc.createArtifact(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T1})
    assert isinstance(a, str) and a.strip(), f'artifact: expected a non-empty string, got {a!r}'
    assert a != first, 'createArtifact returned the createRequest artifact again'
    b = svc.createArtifact(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T1})
    assert b != a, 'two createArtifact calls returned the same artifact'


@step('getRequestHistory: task_1 history starts with request-created')
def _():
    rid = need('request_id')
    events = as_list(svc.getRequestHistory(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T1}))
    assert events, 'no events'
    for e in events:
        eq(xsd_type_name(e), 'event', 'item type')
        assert g(e, 'event') in EVENT_TYPES, f"event type {g(e, 'event')!r}"
        recent(g(e, 'event-time'), 'event-time')
    eq(g(events[0], 'event'), 'request-created', 'first event')
    times = [g(e, 'event-time') for e in events]
    eq(times, sorted(times), 'events oldest first')
    state['history_task_3'] = len(as_list(svc.getRequestHistory(
        service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T3})))


@step('addNotification + disableNotification: task-level SMS and request-level URL')
def _():
    rid = need('request_id')
    res = svc.addNotification(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T2}, notification={
        'type': 'SMS', 'notification-id': 'sms_1', 'recipient': '+4790000002', 'message': 'Signer her: ${taskUrl}',
        'schedule': [{'state-is': 'created', 'wait': {'hours': 1}}],
    })
    eq(res, None, 'addNotification result')
    t2 = svc.getTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T2})
    notes = as_list(g(t2, 'notification'))
    eq([(g(n, 'type'), g(n, 'notification-id'), g(n, 'recipient')) for n in notes], [('SMS', 'sms_1', '+4790000002')],
       'task_2 notifications after addNotification')
    sched = as_list(g(notes[0], 'schedule'))
    eq([(g(s, 'state-is'), g(g(s, 'wait'), 'hours')) for s in sched], [('created', 1)], 'sms_1 schedule')
    res = svc.addNotification(service=SERVICE, password=PASSWORD, **{'request-id': rid}, notification={
        'type': 'URL', 'notification-id': 'url_req', 'recipient': 'http://127.0.0.1:9/req', 'message': 'callbackurl',
    })
    eq(res, None, 'addNotification (request level) result')
    res = svc.disableNotification(service=SERVICE, password=PASSWORD,
                                  **{'request-id': rid, 'task-id': T2, 'notification-id': ['sms_1']})
    eq(res, None, 'disableNotification result')
    res = svc.disableNotification(service=SERVICE, password=PASSWORD,
                                  **{'request-id': rid, 'notification-id': ['url_req', 'mail_1']})
    eq(res, None, 'disableNotification (request level) result')


@step('disableTask: task_3 becomes deleted and its history gains an event')
def _():
    rid, before = need('request_id', 'history_task_3')
    res = svc.disableTask(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T3})
    eq(res, None, 'disableTask result')
    _, by = status_by_task(rid)
    eq({k: g(v, 'task-status') for k, v in by.items()},
       {T1: 'created', T2: 'created', T3: 'deleted'}, 'statuses')
    events = as_list(svc.getRequestHistory(service=SERVICE, password=PASSWORD, **{'request-id': rid, 'task-id': T3}))
    assert len(events) > before, f'history of task_3 has {len(events)} events, had {before}'
    assert g(events[-1], 'event') in EVENT_TYPES, f"new event type {g(events[-1], 'event')!r}"
    eq(g(events[0], 'event'), 'request-created', 'first event of task_3')
    items = find({'criteria': [criteria('request-id', rid), criteria('task-id', T3)]})
    eq([g(t, 'task-status') for t in items], ['deleted'], 'findTasks task_3 task-status')


@step('createUserSession: tasks of two requests -> a user-session-id; an unknown task -> Fault')
def _():
    rid, rid2 = need('request_id', 'request_id_2')
    res = svc.createUserSession(service=SERVICE, password=PASSWORD, **{'user-session': {
        'language': SC['language'],
        'on-session-complete': 'https://client.example/session-done',
        'session-task': [
            {'request-id': rid, 'task-id': T1, 'order': 1, 'description': 'Avtale'},
            {'request-id': rid, 'task-id': T2, 'order': 2},
            {'request-id': rid2, 'task-id': 'p01', 'order': 3},
        ],
    }})
    sid = g(res, 'user-session-id')
    assert isinstance(sid, str) and sid.strip(), f'user-session-id: {sid!r}'
    artifact = g(res, 'artifact')
    assert artifact is None or (isinstance(artifact, str) and artifact.strip()), f'artifact {artifact!r}'
    expect_fault(lambda: svc.createUserSession(service=SERVICE, password=PASSWORD, **{'user-session': {
        'session-task': [{'request-id': rid, 'task-id': 'task_9', 'order': 1}]}}), 'session with an unknown task')


@step('wrong password: zeep.exceptions.Fault "Invalid service or password"')
def _():
    rid = need('request_id')
    fault = expect_fault(lambda: svc.getStatus(service=SERVICE, password=SC['wrongPassword'], **{'request-id': [rid]}), 'wrong password')
    assert isinstance(fault, zeep.exceptions.Fault), type(fault)
    eq(fault.message, SC['faultString'], 'fault message')
    assert fault.code and fault.code.split(':')[-1] in ('Client', 'Server'), f'faultcode {fault.code!r}'
    fault = expect_fault(lambda: svc.getStatus(service='nobody', password=PASSWORD, **{'request-id': [rid]}), 'unknown service')
    eq(fault.message, SC['faultString'], 'fault message (unknown service)')


@step("another service: getStatus/getRequest/getTask of demo's request -> Fault; findTasks sees nothing")
def _():
    rid = need('request_id')
    other = {'service': OTHER_SERVICE, 'password': OTHER_PASSWORD}
    for name, call in (
        ('getStatus', lambda: svc.getStatus(**other, **{'request-id': [rid]})),
        ('getRequest', lambda: svc.getRequest(**other, **{'request-id': rid})),
        ('getTask', lambda: svc.getTask(**other, **{'request-id': rid, 'task-id': T1})),
        ('setClientStatus', lambda: svc.setClientStatus(**other, **{'request-id': rid, 'task-id': T1, 'client-status': 'x'})),
    ):
        fault = expect_fault(call, f'other service {name}')
        assert 'not found' in (fault.message or '').lower(), f'{name}: fault message {fault.message!r} is not "not found"'
        assert rid in fault.message or 'request' in fault.message.lower(), f'{name}: {fault.message!r}'
    res = svc.findTasks(**other, filter={'criteria': [criteria('request-id', rid)]})
    eq(as_list(res), [], 'other service findTasks')
    eq(svc.getTaskCount(**other, filter={'criteria': [criteria('request-id', rid)]}), 0, 'other service getTaskCount')
    eq(svc.deleteRequest(**other, **{'request-id': [rid]}), 0, 'other service deleteRequest deleted')
    # The document store keeps services apart too.
    status, _, _ = http('GET', f"{BASE}/doc/{SERVICE}/sds/{state['sds_id']}", None,
                        {'Authorization': basic(OTHER_SERVICE, OTHER_PASSWORD)})
    assert status in (401, 403, 404), f'other service reading demo SDS: HTTP {status}'
    # demo still sees its untouched request.
    _, by = status_by_task(rid)
    eq(g(by[T1], 'task-status'), 'created', 'task_1 still created')


# ---- signing through the control API, packaging (PackagingService v4) and the archive (ArchiveService v3) ----

PACKAGING_NS = 'https://id.signicat.com/definitions/wsdl/Packaging-v4'
ARCHIVE_NS = 'https://id.signicat.com/definitions/wsdl/Archive-v3'
# Each task is signed by its own subject: the control API refuses a signer whose national id is not the subject's.
SIGNERS = {
    T1: (SC['task1SubjectNationalId'], SC['task1SubjectFirstName'], SC['task1SubjectLastName']),
    T2: (SC['refSubjectNationalId'], SC['refSubjectFirstName'], SC['refSubjectLastName']),
}
packaging_history = HistoryPlugin()


def control_sign(rid, tid):
    """POST …/tasks/{tid}/sign with urllib and a JSON body: [HTTP status, parsed JSON answer]."""
    national_id, first, last = SIGNERS[tid]
    body = json.dumps({'method': SC['signMethod'], 'signer': {'nationalId': national_id, 'firstName': first, 'lastName': last}})
    status, headers, raw = http('POST', f'{BASE}/emulator/v1/{SERVICE}/requests/{rid}/tasks/{tid}/sign', body.encode('utf-8'),
                                {'Content-Type': 'application/json', 'Authorization': basic(SERVICE, PASSWORD)})
    assert headers.get('Content-Type', '').startswith('application/json'), \
        f"sign {tid}: Content-Type {headers.get('Content-Type')!r}, body {raw[:300]!r}"
    return status, json.loads(raw)


def result_uri(rid, tid, did):
    return f"{BASE}/doc/{SERVICE}/order/{rid}/{tid}/{did}/{SC['resultUriSuffix']}"


def create_package(sdo_uris, method=None, to_archive=False):
    """create-package with one `sdo` per URI. The request's repeated choice (sdo | sdo-extended) has no
    name of its own: zeep calls it `_value_1` and takes a list of {element name: value} dicts."""
    return need('packaging').service['create-package'](**{
        'version': SC['packagingVersion'], 'service': SERVICE, 'password': PASSWORD,
        'validation-policy': SC['validationPolicy'], 'packaging-method': method or SC['packagingMethod'],
        'send-result-to-archive': to_archive,
        '_value_1': [{'sdo': {'uri-document-id': uri}} for uri in sdo_uris],
    })


@step('control API: task_2 before task_1 -> 409 TASK_DEPENDENCIES_PENDING; task_1 then task_2 sign -> completed, result URIs')
def _():
    rid = need('request_id')
    status, answer = control_sign(rid, T2)
    eq((status, answer.get('code')), (int(SC['dependencyPendingStatus']), SC['dependencyPendingCode']), 'task_2 signed first')
    signed = {}
    for tid, docs in ((T1, [SDS_DOC, TEXT_DOC]), (T2, [SDS_DOC])):
        status, answer = control_sign(rid, tid)
        eq(status, 200, f'sign {tid}: HTTP status ({answer})')
        eq((answer.get('requestId'), answer.get('taskId'), answer.get('status')), (rid, tid, SC['signedStatus']), f'sign {tid}')
        eq([(d.get('documentId'), d.get('action'), d.get('resultUri')) for d in answer.get('documents', [])],
           [(d, 'sign', result_uri(rid, tid, d)) for d in docs], f'sign {tid}: documents')
        signed[tid] = docs
    state['signed'] = signed


@step('getStatus after signing: task_1 and task_2 completed with a result-uri per signed document, task_3 still deleted')
def _():
    rid, signed = need('request_id', 'signed')
    infos, by = status_by_task(rid)
    eq({k: g(v, 'task-status') for k, v in by.items()}, {T1: SC['signedStatus'], T2: SC['signedStatus'], T3: 'deleted'}, 'statuses')
    for tid, docs in signed.items():
        eq([(g(d, 'id'), g(d, 'original-uri'), g(d, 'result-uri')) for d in as_list(g(by[tid], 'document-status'))],
           [(d, original_uri(rid, tid, d), result_uri(rid, tid, d)) for d in docs], f'{tid} document-status')
    eq([g(d, 'result-uri') for d in as_list(g(by[T3], 'document-status'))], [None], 'task_3 result-uri')
    # The result is the LTV-SDO, served with the service's credentials.
    status, headers, body = http('GET', result_uri(rid, T1, SDS_DOC), None, {'Authorization': basic(SERVICE, PASSWORD)})
    eq((status, headers.get('Content-Type')), (200, 'application/x-ltv-sdo'), 'GET task_1 result-uri')
    state['sdo_uris'] = [g(d, 'result-uri') for tid in (T1, T2) for d in as_list(g(by[tid], 'document-status'))
                         if g(d, 'id') == SDS_DOC]


@step('wsdl: zeep clients for PackagingService v4 and ArchiveService v3 from the served WSDLs')
def _():
    packaging = zeep.Client(f'{BASE}/ws/packagingservice-v4?wsdl', plugins=[packaging_history])
    eq(packaging.service._binding_options['address'], f'{BASE}/ws/packagingservice-v4', 'packaging soap:address')
    eq(set(packaging.wsdl.bindings[f'{{{PACKAGING_NS}}}PackagingServiceSoapBinding']._operations), {'create-package'},
       'packaging operations')
    archive = zeep.Client(f'{BASE}/ws/archiveservice-v3?wsdl')
    eq(archive.service._binding_options['address'], f'{BASE}/ws/archiveservice-v3', 'archive soap:address')
    eq(set(archive.wsdl.bindings[f'{{{ARCHIVE_NS}}}ArchiveServiceSoapBinding']._operations), {'getDocument', 'removeDocument'},
       'archive operations')
    state['packaging'] = packaging
    state['archive'] = archive


@step('create-package: uri-document-id = the two result-uris of the sds PDF -> one package, an SDS id')
def _():
    uris = need('sdo_uris')
    eq(len(uris), 2, 'result-uris of the sds PDF')
    res = create_package(uris)
    eq(g(res, 'error'), None, 'error')
    package_id = g(res, 'id')
    assert isinstance(package_id, str) and ID_RE.match(package_id), f'id {package_id!r} is not a 58-char id'
    # On the wire: two <sdo> in the Packaging-v4 namespace, each with its uri-document-id.
    sent = packaging_history.last_sent['envelope']
    eq([e.text for e in sent.findall(f'.//{{{PACKAGING_NS}}}sdo/{{{PACKAGING_NS}}}uri-document-id')], uris, 'sdo sent')
    state['package_id'] = package_id


@step('SDS: GET the package -> Content-Type application/x-pades, a PDF')
def _():
    package_id = need('package_id')
    status, headers, body = http('GET', f'{BASE}/doc/{SERVICE}/sds/{package_id}', None, {'Authorization': basic(SERVICE, PASSWORD)})
    eq(status, 200, 'HTTP status')
    eq(headers.get('Content-Type'), SC['packageContentType'], 'Content-Type')
    assert body.startswith(SC['packageMagic'].encode('ascii')), f'body starts with {body[:16]!r}'
    assert len(body) > len(PDF), f'package of {len(body)} bytes is not bigger than the original'


@step('create-package with an unsupported packaging-method -> in-band error PACKAGING_METHOD_UNSUPPORTED, no id')
def _():
    uris = need('sdo_uris')
    res = create_package(uris, method=SC['badPackagingMethod'])
    eq(g(res, 'id'), None, 'id')
    err = g(res, 'error')
    assert err is not None, 'no error'
    eq(g(err, 'code'), SC['badPackagingMethodCode'], 'error code')
    assert g(err, 'message'), 'error without a message'


@step('create-package send-result-to-archive=true -> archive id; getDocument = GET /doc/demo/archive/{id}')
def _():
    uris, archive = need('sdo_uris', 'archive')
    res = create_package(uris, to_archive=True)
    eq(g(res, 'error'), None, 'error')
    archive_id = g(res, 'id')
    assert isinstance(archive_id, str) and ID_RE.match(archive_id), f'id {archive_id!r} is not a 58-char id'
    # get-document-response has one child, document-data: zeep hands back that object itself.
    data = archive.service.getDocument(version=SC['archiveVersion'], service=SERVICE, password=PASSWORD, **{'archive-id': archive_id})
    eq(xsd_type_name(data), 'document-data', 'getDocument result type')
    eq((g(data, 'archive-id'), g(data, 'mime-type')), (archive_id, SC['packageContentType']), 'document-data')
    content = g(data, 'data')
    assert isinstance(content, bytes) and content.startswith(SC['packageMagic'].encode('ascii')), f'data starts with {content[:16]!r}'
    status, headers, body = http('GET', f'{BASE}/doc/{SERVICE}/archive/{archive_id}', None, {'Authorization': basic(SERVICE, PASSWORD)})
    eq((status, headers.get('Content-Type')), (200, SC['packageContentType']), 'GET archive')
    assert body == content, f'HTTP gave {len(body)} bytes, getDocument {len(content)}, not the same'
    state['archive_id'] = archive_id


@step('removeDocument: [package, unknown id] -> only the package id; again -> none; getDocument then faults')
def _():
    archive_id, archive = need('archive_id', 'archive')

    def remove():
        return as_list(archive.service.removeDocument(version=SC['archiveVersion'], service=SERVICE, password=PASSWORD,
                                                      **{'archive-id': [archive_id, SC['unknownArchiveId']]}))

    eq(remove(), [archive_id], 'removed')
    eq(remove(), [], 'removed again')
    expect_fault(lambda: archive.service.getDocument(version=SC['archiveVersion'], service=SERVICE, password=PASSWORD,
                                                     **{'archive-id': archive_id}), 'getDocument of a removed id')


@step('deleteRequest: deleted=1, then getStatus shows every task deleted')
def _():
    rid = need('request_id')
    res = svc.deleteRequest(service=SERVICE, password=PASSWORD, **{'request-id': [rid]})
    eq(res, 1, 'deleted')
    infos, by = status_by_task(rid)
    eq([(g(i, 'task-id'), g(i, 'task-status')) for i in infos],
       [(T1, 'deleted'), (T2, 'deleted'), (T3, 'deleted')], 'statuses after delete')
    eq(g(by[T1], 'client-reference'), CLIENT_REF, 'client-reference after delete')
    eq(svc.deleteRequest(service=SERVICE, password=PASSWORD, **{'request-id': [rid]}), 0, 'deleting again')
    # The second request is untouched.
    _, by2 = status_by_task(need('request_id_2'))
    eq(sorted(g(v, 'task-status') for v in by2.values()), ['created'] * 5, 'request 2 statuses')


failed = [name for ok, name in results if not ok]
print(f'{len(results) - len(failed)} passed, {len(failed)} failed', flush=True)
sys.exit(1 if failed else 0)
