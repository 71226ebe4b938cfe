<?php
/**
 * Drives one whole DocumentService v3 order through PHP's SoapClient in WSDL mode, the way a legacy PHP
 * client would.
 *
 * Usage: php order_life.php BASE_URL [SCENARIO_FILE]
 *
 * Before the order is deleted its tasks are signed through the emulator control API (a stream context with
 * a JSON body, as a CI harness would), and the two signatures of its PDF are packaged through
 * PackagingService v4 and read back and removed through ArchiveService v3, each with a SoapClient of its
 * own in WSDL mode.
 *
 * The order's values (credentials, documents, subjects, task ids, …) come from the scenario file shared by
 * every interop client, fixtures/interop/scenario.properties by default: flat key=value lines, UTF-8, #
 * comments. It is read with plain PHP, not parse_ini_file, which mangles some values.
 *
 * Every step prints exactly one line, `PASS <step>` or `FAIL <step>: <reason>`; the exit code is 1 when any
 * step failed. Each step asserts the values that come back (CONTRACT.md sections 0, 1 and 4), not only
 * that a call returned.
 */

declare(strict_types=1);

const DOC_NS = 'https://id.signicat.com/definitions/wsdl/Document-v3';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const ID_RE = '/^[0-9]{8}[0-9a-z]{50}$/';
const EVENT_TYPES = [
    'request-created', 'notification-sent', 'task-started', 'task-rejected', 'task-completed', 'error',
    'document-uploaded', 'document-signed', 'document-viewed', 'document-sign-cancelled', 'document-deleted',
    'user-authenticated', 'user-authentication-cancelled',
];

const PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    . "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

if ($argc !== 2 && $argc !== 3) {
    fwrite(STDERR, "usage: php order_life.php BASE_URL [SCENARIO_FILE]\n");
    exit(2);
}
$BASE = rtrim($argv[1], '/');

/** key => value of a scenario file: flat key=value lines, UTF-8; blank lines and '#' lines skipped. */
function read_scenario(string $path): array
{
    $lines = @file($path, FILE_IGNORE_NEW_LINES);
    if ($lines === false) {
        fwrite(STDERR, "cannot read scenario file $path\n");
        exit(2);
    }
    $out = [];
    foreach ($lines as $line) {
        $line = rtrim($line, "\r");
        if (trim($line) === '' || str_starts_with(ltrim($line), '#')) {
            continue;
        }
        $parts = explode('=', $line, 2);
        if (count($parts) === 2) {
            $out[trim($parts[0])] = $parts[1];
        }
    }
    return $out;
}

$SCENARIO = read_scenario($argv[2] ?? __DIR__ . '/../../../fixtures/interop/scenario.properties');

/** A value the scenario file must define. */
function sc(string $key): string
{
    global $SCENARIO;
    if (!array_key_exists($key, $SCENARIO)) {
        fwrite(STDERR, "scenario file has no '$key'\n");
        exit(2);
    }
    return $SCENARIO[$key];
}

define('SERVICE', sc('service'));
define('PASSWORD', sc('password'));
define('FAULT_STRING', sc('faultString'));
define('SDS_TYPE', sc('sdsContentType'));
define('DOC_SDS', sc('sdsDocumentId'));
define('DOC_TEXT', sc('textDocumentId'));
define('TEXT_TYPE', sc('textDocumentMimeType'));
define('TEXT', sc('textDocumentContent'));
define('SUBJ', sc('refSubjectId'));
define('T1', sc('task1Id'));
define('T2', sc('task2Id'));
define('T3', sc('task3Id'));
$CLIENT_REF = sc('clientReference');
$CLIENT_STATUS = sc('clientStatus');

$results = [];
$state = [];

class Skip extends Exception {}
class Check extends Exception {}

/** On a failed step, the last SOAP exchange goes to stderr (the test prints it). */
function dump_last(string $name): void
{
    global $client, $packaging, $archive;
    foreach (['DocumentService' => $client, 'PackagingService' => $packaging ?? null, 'ArchiveService' => $archive ?? null] as $what => $c) {
        if ($c instanceof SoapClient && $c->__getLastRequest() !== null) {
            fwrite(STDERR, "=== $name ($what)\n--- last request:\n" . substr((string) $c->__getLastRequest(), 0, 6000)
                . "\n--- last response:\n" . substr((string) $c->__getLastResponse(), 0, 6000) . "\n");
        }
    }
}

function step(string $name, callable $fn): void
{
    global $results;
    try {
        $fn();
        echo "PASS $name\n";
        $results[] = [true, $name];
    } catch (Skip $e) {
        echo "FAIL $name: skipped, {$e->getMessage()}\n";
        $results[] = [false, $name];
    } catch (Check $e) {
        echo "FAIL $name: {$e->getMessage()}\n";
        $results[] = [false, $name];
        dump_last($name);
    } catch (SoapFault $e) {
        echo "FAIL $name: unexpected SOAP fault {$e->faultcode}: {$e->getMessage()}\n";
        $results[] = [false, $name];
        dump_last($name);
    } catch (Throwable $e) {
        echo "FAIL $name: " . get_class($e) . ": {$e->getMessage()} [{$e->getFile()}:{$e->getLine()}]\n";
        $results[] = [false, $name];
    }
    flush();
}

function need(string ...$keys): array
{
    global $state;
    $out = [];
    foreach ($keys as $k) {
        if (!array_key_exists($k, $state)) {
            throw new Skip("needs $k from an earlier step");
        }
        $out[] = $state[$k];
    }
    return $out;
}

function show($v): string
{
    return var_export($v, true);
}

function eq($actual, $expected, string $what): void
{
    if ($actual !== $expected) {
        throw new Check("$what: expected " . show($expected) . ', got ' . show($actual));
    }
}

function ok(bool $cond, string $what): void
{
    if (!$cond) {
        throw new Check($what);
    }
}

/** A property of a SoapClient result by its XML name (hyphenated names are fine); null when absent. */
function g($obj, string $name)
{
    ok(is_object($obj), "object holding '$name' is not an object: " . show($obj));
    return property_exists($obj, $name) ? $obj->{$name} : null;
}

/** SoapClient returns one occurrence of a repeated element as the item itself, several as an array. */
function as_list($v): array
{
    if ($v === null) {
        return [];
    }
    return is_array($v) ? array_values($v) : [$v];
}

function basic_header(string $service, string $password): string
{
    return 'Authorization: Basic ' . base64_encode("$service:$password");
}

/** HTTP through a stream context (php-curl is not installed); returns [status, headers (lower-cased names), body]. */
function http(string $method, string $url, ?string $body = null, array $headers = []): array
{
    $opts = ['method' => $method, 'header' => implode("\r\n", $headers), 'ignore_errors' => true, 'timeout' => 30];
    if ($body !== null) {
        $opts['content'] = $body;
    }
    $res = @file_get_contents($url, false, stream_context_create(['http' => $opts]));
    if ($res === false) {
        throw new Check("HTTP $method $url failed: " . (error_get_last()['message'] ?? 'unknown error'));
    }
    $status = 0;
    $respHeaders = [];
    foreach ($http_response_header as $line) {
        if (preg_match('#^HTTP/\S+ (\d{3})#', $line, $m)) {
            $status = (int) $m[1];
            $respHeaders = [];
        } elseif (count($parts = explode(':', $line, 2)) === 2) {
            $respHeaders[strtolower(trim($parts[0]))] = trim($parts[1]);
        }
    }
    return [$status, $respHeaders, $res];
}

function expect_fault(callable $call, string $what): SoapFault
{
    try {
        $result = $call();
    } catch (SoapFault $f) {
        return $f;
    }
    throw new Check("$what: expected a SoapFault, got " . show($result));
}

function recent($s, string $what, int $slack = 600): void
{
    ok(is_string($s), "$what: expected a dateTime string, got " . show($s));
    ok((bool) preg_match('/(Z|[+-]\d\d:\d\d)$/', $s), "$what: '$s' has no time zone");
    $t = strtotime($s);
    ok($t !== false, "$what: '$s' is not a dateTime");
    ok(abs(time() - $t) < $slack, "$what: '$s' is " . abs(time() - $t) . 's away from now');
}

/*
 * This PHP has no DOM/SimpleXML/xml extension (Debian php-cli + php-soap only), so the envelopes seen with
 * __getLastRequest()/__getLastResponse() are inspected with small regex helpers. Adequate for the flat,
 * well-known envelopes here: every namespace declaration in the envelope is collected (a prefix bound to
 * two different URIs is reported), and start tags are matched by local name.
 */

/** prefix => namespace URI ('' for the default namespace) of every xmlns declaration in $xml. */
function ns_decls(string $xml, string $what): array
{
    preg_match_all('/\sxmlns(?::([\w.-]+))?=(["\'])(.*?)\2/', $xml, $m, PREG_SET_ORDER);
    $out = [];
    foreach ($m as $d) {
        $prefix = $d[1];
        ok(!isset($out[$prefix]) || $out[$prefix] === $d[3], "$what: prefix '$prefix' bound to two namespaces");
        $out[$prefix] = $d[3];
    }
    return $out;
}

/** Start tags (whole `<…>` text) of the elements with this local name, in document order. */
function start_tags(string $xml, string $local): array
{
    preg_match_all('/<(?:[\w.-]+:)?' . preg_quote($local, '/') . '(?=[\s>\/])[^>]*>/', $xml, $m);
    return $m[0];
}

/** Text content of the (simple) elements with this local name. */
function texts(string $xml, string $local): array
{
    $l = preg_quote($local, '/');
    preg_match_all('/<(?:[\w.-]+:)?' . $l . '(?:\s[^>]*)?>([^<]*)<\/(?:[\w.-]+:)?' . $l . '>/', $xml, $m);
    return $m[1];
}

/** The value of an unprefixed attribute in a start tag, null when absent. */
function attr_of(string $tag, string $name): ?string
{
    return preg_match('/\s' . preg_quote($name, '/') . '=(["\'])(.*?)\1/', $tag, $m) ? html_entity_decode($m[2], ENT_QUOTES | ENT_XML1) : null;
}

/** [namespace URI, local name, raw] of the xsi:type on a start tag, resolved with the envelope's declarations. */
function xsi_type(string $tag, array $decls): array
{
    $xsiPrefixes = array_keys($decls, XSI_NS, true);
    foreach ($xsiPrefixes as $p) {
        if ($p !== '' && ($raw = attr_of($tag, "$p:type")) !== null) {
            $pos = strpos($raw, ':');
            $prefix = $pos === false ? '' : substr($raw, 0, $pos);
            $local = $pos === false ? $raw : substr($raw, $pos + 1);
            return [$decls[$prefix] ?? null, $local, $raw];
        }
    }
    throw new Check("no xsi:type on $tag");
}

// -------------------------------------------------------------------------------------------------------

/** @var SoapClient|null $client */
$client = null;
$WSDL = "$BASE/ws/documentservice-v3?wsdl";

function client(): SoapClient
{
    global $client;
    if ($client === null) {
        throw new Skip('needs the SoapClient');
    }
    return $client;
}

function auth(array $more = []): array
{
    return ['service' => SERVICE, 'password' => PASSWORD] + $more;
}

function doc(string $type, array $fields): SoapVar
{
    return new SoapVar((object) $fields, SOAP_ENC_OBJECT, $type, DOC_NS);
}

function criteria(string $field, string $value, string $operator = 'equals'): array
{
    return ['field' => $field, 'value' => new SoapVar($value, XSD_STRING, 'string', XSD_NS), 'operator' => $operator];
}

step('wsdl: SoapClient builds from the served WSDL; every operation present', function () use ($WSDL) {
    global $client;
    $c = new SoapClient($WSDL, ['trace' => 1, 'exceptions' => true, 'cache_wsdl' => WSDL_CACHE_NONE]);
    $ops = [];
    foreach ($c->__getFunctions() as $f) {
        ok((bool) preg_match('/^\S+ (\w+)\(/', $f, $m), "odd function signature '$f'");
        $ops[] = $m[1];
    }
    sort($ops);
    $want = [
        'addNotification', 'addTask', 'createArtifact', 'createRequest', 'createUserSession', 'deleteRequest',
        'disableNotification', 'disableTask', 'findTasks', 'getPackagingTaskStatus', 'getRequest',
        'getRequestHistory', 'getStatus', 'getTask', 'getTaskCount', 'setClientStatus',
    ];
    eq($ops, $want, 'operations');
    $client = $c;
});

step('sds upload: POST /doc/demo/sds (stream context, Basic) -> 201, 58-char id; GET gives the bytes back', function () use ($BASE) {
    global $state;
    [$status, $headers, $body] = http('POST', "$BASE/doc/" . SERVICE . '/sds', PDF,
        ['Content-Type: ' . SDS_TYPE, basic_header(SERVICE, PASSWORD)]);
    eq($status, 201, 'HTTP status');
    eq(strlen($body), 58, "id length of '$body'");
    ok((bool) preg_match(ID_RE, $body), "id '$body' is not ddMMyyyy + [0-9a-z]");
    ok(isset($headers['location']) && str_ends_with(rtrim($headers['location'], '/'), "/$body"),
        'Location ' . show($headers['location'] ?? null) . ' does not end with the id');
    [$status, $headers, $got] = http('GET', "$BASE/doc/" . SERVICE . "/sds/$body", null, [basic_header(SERVICE, PASSWORD)]);
    eq($status, 200, 'download status');
    eq($headers['content-type'] ?? null, SDS_TYPE, 'download Content-Type');
    eq($got, PDF, 'downloaded bytes');
    $state['sds_id'] = $body;
});

function build_request(string $sdsId, string $clientRef): array
{
    return [
        'profile' => sc('profile'),
        'language' => sc('language'),
        'subject' => [[
            'id' => SUBJ,
            'national-id' => sc('refSubjectNationalId'),
            'first-name' => sc('refSubjectFirstName'),
            'last-name' => sc('refSubjectLastName'),
            'mobile' => '+4790000002',
            'email' => 'bjorn@example.com',
        ]],
        'document' => [
            doc('sds-document', [
                'id' => DOC_SDS, 'ref-sds-id' => $sdsId, 'description' => sc('sdsDocumentDescription'),
                'external-reference' => 'ext-1', 'send-to-archive' => false,
            ]),
            doc('provided-document', [
                'id' => DOC_TEXT, 'mime-type' => TEXT_TYPE, 'data' => TEXT, 'description' => sc('textDocumentDescription'),
            ]),
        ],
        'task' => [
            [
                'id' => T1,
                'bundle' => false,
                'subject' => [
                    'national-id' => sc('task1SubjectNationalId'), 'first-name' => sc('task1SubjectFirstName'),
                    'last-name' => sc('task1SubjectLastName'), 'email' => sc('task1SubjectEmail'),
                ],
                'days-to-live' => 14,
                'dialog' => ['title' => 'Signer avtalen', 'message' => "Vennligst signer \u{e6}\u{f8}\u{e5}"],
                'document-action' => [
                    ['type' => 'sign', 'document-ref' => DOC_SDS, 'order-index' => 1],
                    ['type' => 'sign', 'document-ref' => DOC_TEXT, 'order-index' => 2],
                ],
                'notification' => [[
                    'type' => 'URL', 'notification-id' => sc('task1NotificationId'), 'recipient' => sc('task1NotificationRecipient'),
                    'message' => sc('task1NotificationMessage'), 'schedule' => [['state-is' => sc('task1NotificationStateIs')]],
                ]],
                'authentication' => ['artifact' => true, 'method' => ['nbid']],
                'on-task-complete' => 'https://client.example/done?r=${requestId}&t=${taskId}',
                'language' => 'en',
                'signature' => [['method' => [['_' => 'nbid-sign']], 'responsive' => true]],
            ],
            [
                'id' => T2,
                'subject-ref' => SUBJ,
                'document-action' => [['type' => 'sign', 'document-ref' => DOC_SDS]],
                'depends-on-task' => [T1],
                'signature' => [['method' => [['_' => 'nbid-sign']]]],
            ],
        ],
        'client-reference' => $clientRef,
    ];
}

step('createRequest: one 58-char request-id and an artifact; documents sent with xsi:type in the service namespace', function () use ($CLIENT_REF) {
    global $state;
    [$sdsId] = need('sds_id');
    $c = client();
    $res = $c->createRequest(auth(['request' => [build_request($sdsId, $CLIENT_REF)]]));
    ok(is_object($res), 'createRequest result is not an object: ' . show($res));
    $ids = as_list(g($res, 'request-id'));
    eq(count($ids), 1, 'number of request-ids');
    ok(is_string($ids[0]) && (bool) preg_match(ID_RE, $ids[0]), 'request-id ' . show($ids[0]) . ' is not a 58-char id');
    $artifact = g($res, 'artifact');
    ok(is_string($artifact) && trim($artifact) !== '', 'artifact: expected a non-empty string, got ' . show($artifact));

    // What PHP put on the wire.
    $sent = $c->__getLastRequest();
    $decls = ns_decls($sent, 'sent createRequest');
    $docs = start_tags($sent, 'document');
    eq(count($docs), 2, 'documents sent');
    $types = [];
    foreach ($docs as $d) {
        [$ns, $local, $raw] = xsi_type($d, $decls);
        eq($ns, DOC_NS, "namespace of xsi:type '$raw'");
        $types[] = $local;
    }
    eq($types, ['sds-document', 'provided-document'], 'xsi:types sent');
    eq(attr_of($docs[0], 'ref-sds-id'), $sdsId, 'ref-sds-id sent as an attribute');
    eq(attr_of($docs[1], 'mime-type'), TEXT_TYPE, 'mime-type sent as an attribute');
    eq(texts($sent, 'data'), [base64_encode(TEXT)], 'data sent as base64');
    ok(!str_contains($sent, 'href='), 'SoapClient sent multi-ref href attributes (a shared PHP array)');
    $state['request_id'] = $ids[0];
    $state['artifact'] = $artifact;
});

step('getRequest: documents come back with their subtype fields; subjects and tasks as sent', function () use ($CLIENT_REF) {
    global $state;
    [$rid, $sdsId] = need('request_id', 'sds_id');
    $c = client();
    $res = $c->getRequest(auth(['request-id' => $rid]));
    $r = g($res, 'request');
    ok(is_object($r), 'no request in get-request-response: ' . show($res));
    eq(g($r, 'profile'), sc('profile'), 'profile');
    eq(g($r, 'language'), sc('language'), 'language');
    eq(g($r, 'client-reference'), $CLIENT_REF, 'client-reference');
    eq(g($r, 'days-until-deletion'), null, 'days-until-deletion');

    $subjects = as_list(g($r, 'subject'));
    eq(count($subjects), 1, 'request subjects');
    $s = $subjects[0];
    eq([g($s, 'id'), g($s, 'national-id'), g($s, 'first-name'), g($s, 'last-name'), g($s, 'mobile'), g($s, 'email')],
        [SUBJ, sc('refSubjectNationalId'), sc('refSubjectFirstName'), sc('refSubjectLastName'), '+4790000002', 'bjorn@example.com'],
        'request subject');

    $docs = as_list(g($r, 'document'));
    eq(count($docs), 2, 'documents');
    [$d1, $d2] = $docs;
    eq(g($d1, 'id'), DOC_SDS, 'sds document @id');
    eq(g($d1, 'ref-sds-id'), $sdsId, 'sds document @ref-sds-id');
    eq(g($d1, 'description'), sc('sdsDocumentDescription'), 'sds document description');
    eq(g($d1, 'external-reference'), 'ext-1', 'sds document external-reference');
    eq(g($d1, 'send-to-archive'), false, 'sds document @send-to-archive');
    eq(g($d1, 'mime-type'), null, 'sds document mime-type (an sds-document has none)');
    eq(g($d2, 'id'), DOC_TEXT, 'text document @id');
    eq(g($d2, 'mime-type'), TEXT_TYPE, 'text document @mime-type');
    eq(g($d2, 'description'), sc('textDocumentDescription'), 'text document description');
    eq(g($d2, 'data'), TEXT, 'text document data (base64-decoded bytes)');
    eq(g($d2, 'ref-sds-id'), null, 'text document ref-sds-id (a provided-document has none)');

    $tasks = as_list(g($r, 'task'));
    eq(array_map(fn($t) => g($t, 'id'), $tasks), [T1, T2], 'task ids');
    [$t1, $t2] = $tasks;
    eq(g($t1, 'bundle'), false, 'task_1 @bundle');
    eq(g($t1, 'subject-ref'), null, 'task_1 subject-ref');
    $s1 = g($t1, 'subject');
    eq([g($s1, 'national-id'), g($s1, 'first-name'), g($s1, 'last-name'), g($s1, 'email'), g($s1, 'mobile')],
        [sc('task1SubjectNationalId'), sc('task1SubjectFirstName'), sc('task1SubjectLastName'), sc('task1SubjectEmail'), null],
        'task_1 inline subject');
    eq(g($t1, 'days-to-live'), 14, 'task_1 days-to-live');
    eq([g(g($t1, 'dialog'), 'title'), g(g($t1, 'dialog'), 'message')],
        ['Signer avtalen', "Vennligst signer \u{e6}\u{f8}\u{e5}"], 'task_1 dialog');
    $actions = as_list(g($t1, 'document-action'));
    eq(array_map(fn($a) => [g($a, 'type'), g($a, 'document-ref'), g($a, 'order-index'), g($a, 'optional')], $actions),
        [['sign', DOC_SDS, 1, null], ['sign', DOC_TEXT, 2, null]], 'task_1 document-actions');
    $notes = as_list(g($t1, 'notification'));
    eq(count($notes), 1, 'task_1 notifications');
    $n = $notes[0];
    eq([g($n, 'type'), g($n, 'notification-id'), g($n, 'recipient'), g($n, 'message')],
        ['URL', sc('task1NotificationId'), sc('task1NotificationRecipient'), sc('task1NotificationMessage')], 'task_1 notification');
    eq(array_map(fn($x) => g($x, 'state-is'), as_list(g($n, 'schedule'))), [sc('task1NotificationStateIs')],
        'task_1 notification schedule');
    $auth = g($t1, 'authentication');
    eq([g($auth, 'artifact'), as_list(g($auth, 'method'))], [true, ['nbid']], 'task_1 authentication');
    eq(g($t1, 'on-task-complete'), 'https://client.example/done?r=${requestId}&t=${taskId}', 'task_1 on-task-complete');
    eq(g($t1, 'language'), 'en', 'task_1 language');
    eq(as_list(g($t1, 'depends-on-task')), [], 'task_1 depends-on-task');
    $sigs = as_list(g($t1, 'signature'));
    eq(count($sigs), 1, 'task_1 signatures');
    eq(g($sigs[0], 'responsive'), true, 'task_1 signature @responsive');
    eq(array_map(fn($m) => is_object($m) ? g($m, '_') : $m, as_list(g($sigs[0], 'method'))), ['nbid-sign'], 'task_1 signature method');

    eq(g($t2, 'subject-ref'), SUBJ, 'task_2 subject-ref');
    eq(g($t2, 'subject'), null, 'task_2 subject (it uses subject-ref)');
    eq(as_list(g($t2, 'depends-on-task')), [T1], 'task_2 depends-on-task');
    eq(array_map(fn($a) => [g($a, 'type'), g($a, 'document-ref')], as_list(g($t2, 'document-action'))),
        [['sign', DOC_SDS]], 'task_2 document-actions');
    eq(as_list(g($t2, 'notification')), [], 'task_2 notifications');

    // On the wire each document names its subtype with an xsi:type that resolves to the service namespace.
    $received = $c->__getLastResponse();
    $decls = ns_decls($received, 'received getRequest');
    $raw = start_tags($received, 'document');
    eq(count($raw), 2, 'raw document elements');
    $got = [];
    foreach ($raw as $tag) {
        [$ns, $local, $rawType] = xsi_type($tag, $decls);
        eq($ns, DOC_NS, "xsi:type '$rawType' namespace");
        $got[] = $local;
    }
    eq($got, ['sds-document', 'provided-document'], 'xsi:types received');
});

function original_uri(string $base, string $rid, string $tid, string $did): string
{
    return "$base/doc/" . SERVICE . "/order/$rid/$tid/$did/original";
}

/** getStatus of one request: [list of task-status-info, map task-id => info]. */
function status_by_task(string $rid): array
{
    $res = client()->getStatus(auth(['request-id' => [$rid]]));
    $infos = as_list(g($res, 'task-status-info'));
    $by = [];
    foreach ($infos as $i) {
        eq(g($i, 'request-id'), $rid, 'task-status-info request-id');
        ok(in_array(g($i, 'task-status'), ['created', 'completed', 'rejected', 'expired', 'deleted'], true),
            'task-status ' . show(g($i, 'task-status')));
        $by[g($i, 'task-id')] = $i;
    }
    eq(count($by), count($infos), 'task-ids in getStatus are unique');
    return [$infos, $by];
}

step('getStatus: one task-status-info per task, created, client-reference, document-status/original-uri', function () use ($BASE, $CLIENT_REF) {
    [$rid] = need('request_id');
    [$infos, $by] = status_by_task($rid);
    eq(array_map(fn($i) => g($i, 'task-id'), $infos), [T1, T2], 'task-ids');
    foreach ([T1 => [DOC_SDS, DOC_TEXT], T2 => [DOC_SDS]] as $tid => $docs) {
        $i = $by[$tid];
        eq(g($i, 'task-status'), 'created', "$tid task-status");
        eq(g($i, 'client-reference'), $CLIENT_REF, "$tid client-reference");
        eq(g($i, 'client-status'), null, "$tid client-status");
        // task_2 has a single document: SoapClient hands it over as an object, not an array.
        $ds = as_list(g($i, 'document-status'));
        eq(array_map(fn($d) => g($d, 'id'), $ds), $docs, "$tid document-status ids");
        foreach ($ds as $d) {
            eq(g($d, 'original-uri'), original_uri($BASE, $rid, $tid, g($d, 'id')), "$tid/" . g($d, 'id') . ' original-uri');
            eq(g($d, 'result-uri'), null, "$tid/" . g($d, 'id') . ' result-uri (not signed yet)');
        }
    }
    ok(is_object(g($by[T2], 'document-status')), 'task_2 single document-status expected as an object');
    [$status, , $got] = http('GET', original_uri($BASE, $rid, T1, DOC_TEXT), null, [basic_header(SERVICE, PASSWORD)]);
    eq([$status, $got], [200, TEXT], 'task_1 text document original download');
});

/** findTasks; returns the list of task-info objects. */
function find(array $criteria, array $more = []): array
{
    $res = client()->findTasks(auth(['filter' => ['criteria' => $criteria]] + $more + ['from-index' => 0, 'to-index' => 100]));
    ok(is_object($res), 'findTasks result is not an object: ' . show($res));
    return as_list(g($res, 'task'));
}

step('findTasks: criteria value typed xsd:string (task-id equals task_1) -> one task-info with its attributes', function () use ($CLIENT_REF) {
    global $state;
    [$rid] = need('request_id');
    $c = client();
    $items = find([criteria('request-id', $rid), criteria('task-id', T1)]);
    $sent = $c->__getLastRequest();
    $decls = ns_decls($sent, 'sent findTasks');
    $values = start_tags($sent, 'value');
    eq(count($values), 2, 'criteria values sent');
    foreach ($values as $v) {
        [$ns, $local, $raw] = xsi_type($v, $decls);
        eq([$ns, $local], [XSD_NS, 'string'], "value xsi:type '$raw'");
    }
    eq(count($items), 1, 'number of task-infos');
    $t = $items[0];
    eq(g($t, 'request-id'), $rid, 'request-id');
    eq(g($t, 'task-id'), T1, 'task-id');
    eq(g($t, 'task-status'), 'created', 'task-status');
    eq(g($t, 'client-reference'), $CLIENT_REF, 'client-reference');
    eq(g($t, 'client-status'), null, 'client-status');
    eq(g($t, 'subject-first-name'), sc('task1SubjectFirstName'), 'subject-first-name (inline subject)');
    eq(g($t, 'subject-last-name'), sc('task1SubjectLastName'), 'subject-last-name');
    eq(g($t, 'subject-national-id'), sc('task1SubjectNationalId'), 'subject-national-id');
    eq(g($t, 'subject-email'), sc('task1SubjectEmail'), 'subject-email');
    eq(g($t, 'days-to-live'), 14, 'days-to-live');
    eq(g($t, 'language'), 'en', 'language (task override)');
    eq(g($t, 'document-id'), DOC_SDS, 'document-id (first document)');
    eq(g($t, 'mime-type'), SDS_TYPE, 'mime-type');
    ok(is_string(g($t, 'id')) && g($t, 'id') !== '', 'id is empty');
    recent(g($t, 'created'), 'created');
    recent(g($t, 'last-updated'), 'last-updated');

    // task_2's subject comes from the request-level subject it references.
    $items = find([criteria('request-id', $rid), criteria('task-id', T2)]);
    eq(array_map(fn($t) => [g($t, 'task-id'), g($t, 'subject-first-name'), g($t, 'subject-national-id'), g($t, 'subject-mobile')], $items),
        [[T2, sc('refSubjectFirstName'), sc('refSubjectNationalId'), '+4790000002']], 'task_2 task-info (via subject-ref)');
    eq(find([criteria('request-id', $rid), criteria('task-id', 'no-such-task')]), [], 'unknown task-id');
});

step('findTasks paging: from-index/to-index, sort-field task-id, ascending true/false', function () {
    global $state;
    [$sdsId] = need('sds_id');
    $c = client();
    $docRef = 'd';
    $res = $c->createRequest(auth(['request' => [[
        'document' => [doc('sds-document', ['id' => 'd', 'ref-sds-id' => $sdsId, 'description' => 'Paging'])],
        // One fresh array per task: were the same (compile-time constant) array reused, SoapClient would send
        // it once with id="ref1" and then <document-action href="#ref1"/>, SOAP-encoding multi-refs even in
        // literal mode, which a document/literal server does not resolve.
        'task' => array_map(fn($tid) => ['id' => $tid, 'document-action' => [['type' => 'sign', 'document-ref' => $docRef]]],
            ['p03', 'p01', 'p05', 'p02', 'p04']),
        'client-reference' => 'paging',
    ]]]));
    ok(!str_contains($c->__getLastRequest(), 'href='), 'SoapClient sent multi-ref href attributes');
    $rid2 = as_list(g($res, 'request-id'))[0] ?? null;
    ok(is_string($rid2) && (bool) preg_match(ID_RE, $rid2), 'request-id ' . show($rid2));
    eq(g($res, 'artifact'), null, 'artifact (no task asked for one)');
    $state['request_id_2'] = $rid2;
    $page = function (int $from, int $to, bool $asc) use ($rid2): array {
        return array_map(fn($t) => g($t, 'task-id'), find([criteria('request-id', $rid2)],
            ['from-index' => $from, 'to-index' => $to, 'sort-field' => 'task-id', 'ascending' => $asc]));
    };
    eq($page(0, 100, true), ['p01', 'p02', 'p03', 'p04', 'p05'], 'all ascending');
    eq($page(0, 100, false), ['p05', 'p04', 'p03', 'p02', 'p01'], 'all descending');
    eq($page(0, 2, true), ['p01', 'p02'], 'page 0..2 ascending');
    eq($page(2, 4, true), ['p03', 'p04'], 'page 2..4 ascending');
    eq($page(4, 6, true), ['p05'], 'page 4..6 ascending (single item)');
    eq($page(5, 10, true), [], 'page past the end');
    eq($page(1, 3, false), ['p04', 'p03'], 'page 1..3 descending');
});

step('getTaskCount: the same filters count 1, 2, 5 and 0', function () {
    [$rid, $rid2] = need('request_id', 'request_id_2');
    $count = function (array $criteria) {
        $res = client()->getTaskCount(auth(['filter' => ['criteria' => $criteria]]));
        $n = is_object($res) ? g($res, 'count') : $res;
        ok(is_int($n) || (is_string($n) && ctype_digit($n)), 'count: expected an integer, got ' . show($res));
        return (int) $n;
    };
    eq($count([criteria('request-id', $rid), criteria('task-id', T1)]), 1, 'count task_1');
    eq($count([criteria('request-id', $rid)]), 2, 'count request 1');
    eq($count([criteria('request-id', $rid2)]), 5, 'count request 2');
    eq($count([criteria('task-id', 'no-such-task')]), 0, 'count unknown task');
});

step('addTask: a third task viewing the sds document; no artifact; it shows in getTask and getStatus', function () use ($BASE) {
    [$rid] = need('request_id');
    $c = client();
    $res = $c->addTask(auth(['request-id' => $rid, 'task' => [
        'id' => T3,
        'subject' => ['first-name' => 'Carl', 'last-name' => 'Viewer', 'email' => 'carl@example.com'],
        'document-action' => [['type' => 'view', 'document-ref' => DOC_SDS]],
    ]]));
    $artifact = is_object($res) ? g($res, 'artifact') : $res;
    eq($artifact, null, 'addTask artifact (none asked for)');
    $t3 = g($c->getTask(auth(['request-id' => $rid, 'task-id' => T3])), 'task');
    eq(g($t3, 'id'), T3, 'task_3 @id');
    eq(g(g($t3, 'subject'), 'last-name'), 'Viewer', 'task_3 subject/last-name');
    eq(array_map(fn($a) => [g($a, 'type'), g($a, 'document-ref')], as_list(g($t3, 'document-action'))),
        [['view', DOC_SDS]], 'task_3 document-actions');
    [$infos, $by] = status_by_task($rid);
    eq(array_map(fn($i) => g($i, 'task-id'), $infos), [T1, T2, T3], 'getStatus task-ids');
    eq(g($by[T3], 'task-status'), 'created', 'task_3 status');
    eq(array_map(fn($d) => [g($d, 'id'), g($d, 'original-uri')], as_list(g($by[T3], 'document-status'))),
        [[DOC_SDS, original_uri($BASE, $rid, T3, DOC_SDS)]], 'task_3 document-status');
    expect_fault(fn() => $c->addTask(auth(['request-id' => $rid, 'task' => [
        'id' => T3, 'document-action' => [['type' => 'view', 'document-ref' => DOC_SDS]]]])), 'duplicate task id');
});

step('setClientStatus: returns nothing; getStatus and findTasks read it back', function () use ($CLIENT_STATUS) {
    [$rid] = need('request_id');
    $c = client();
    $res = $c->setClientStatus(auth(['request-id' => $rid, 'task-id' => T1, 'client-status' => $CLIENT_STATUS]));
    eq($res, null, 'setClientStatus result');
    [, $by] = status_by_task($rid);
    eq(g($by[T1], 'client-status'), $CLIENT_STATUS, 'getStatus task_1 client-status');
    eq(g($by[T2], 'client-status'), null, 'getStatus task_2 client-status');
    $items = find([criteria('client-status', $CLIENT_STATUS)]);
    eq(array_map(fn($t) => [g($t, 'request-id'), g($t, 'task-id'), g($t, 'client-status')], $items),
        [[$rid, T1, $CLIENT_STATUS]], 'findTasks by client-status');
});

step('createArtifact: a new artifact, different from the createRequest one', function () {
    [$rid, $first] = need('request_id', 'artifact');
    $c = client();
    $one = function () use ($c, $rid) {
        $res = $c->createArtifact(auth(['request-id' => $rid, 'task-id' => T1]));
        $a = is_object($res) ? g($res, 'artifact') : $res;
        ok(is_string($a) && trim($a) !== '', 'artifact: expected a non-empty string, got ' . show($res));
        return $a;
    };
    $a = $one();
    ok($a !== $first, 'createArtifact returned the createRequest artifact again');
    ok($one() !== $a, 'two createArtifact calls returned the same artifact');
});

step('getRequestHistory: task_1 history starts with request-created', function () {
    global $state;
    [$rid] = need('request_id');
    $c = client();
    $events = as_list(g($c->getRequestHistory(auth(['request-id' => $rid, 'task-id' => T1])), 'event'));
    ok(count($events) > 0, 'no events');
    foreach ($events as $e) {
        ok(in_array(g($e, 'event'), EVENT_TYPES, true), 'event type ' . show(g($e, 'event')));
        recent(g($e, 'event-time'), 'event-time');
    }
    eq(g($events[0], 'event'), 'request-created', 'first event');
    $times = array_map(fn($e) => strtotime(g($e, 'event-time')), $events);
    $sorted = $times;
    sort($sorted);
    eq($times, $sorted, 'events oldest first');
    $state['history_task_3'] = count(as_list(g($c->getRequestHistory(auth(['request-id' => $rid, 'task-id' => T3])), 'event')));
});

step('disableTask: task_3 becomes deleted and its history gains an event', function () {
    [$rid, $before] = need('request_id', 'history_task_3');
    $c = client();
    eq($c->disableTask(auth(['request-id' => $rid, 'task-id' => T3])), null, 'disableTask result');
    [, $by] = status_by_task($rid);
    eq(array_map(fn($i) => g($i, 'task-status'), $by), [T1 => 'created', T2 => 'created', T3 => 'deleted'], 'statuses');
    $events = as_list(g($c->getRequestHistory(auth(['request-id' => $rid, 'task-id' => T3])), 'event'));
    ok(count($events) > $before, 'history of task_3 has ' . count($events) . " events, had $before");
    $items = find([criteria('request-id', $rid), criteria('task-id', T3)]);
    eq(array_map(fn($t) => g($t, 'task-status'), $items), ['deleted'], 'findTasks task_3 task-status');
});

step('wrong password: SoapFault with the scenario fault string', function () {
    [$rid] = need('request_id');
    $c = client();
    $f = expect_fault(fn() => $c->getStatus(['service' => SERVICE, 'password' => sc('wrongPassword'), 'request-id' => [$rid]]), 'wrong password');
    eq($f->faultstring, FAULT_STRING, 'faultstring');
    eq($f->getMessage(), FAULT_STRING, 'getMessage()');
    ok(in_array(preg_replace('/^.*:/', '', (string) $f->faultcode), ['Client', 'Server'], true), 'faultcode ' . show($f->faultcode));
    // The other service with this service's password is refused the same way.
    $f = expect_fault(fn() => $c->getStatus(['service' => sc('otherService'), 'password' => PASSWORD, 'request-id' => [$rid]]),
        'other service, wrong password');
    eq($f->faultstring, FAULT_STRING, 'faultstring (other service, wrong password)');
    $f = expect_fault(fn() => $c->getStatus(['service' => 'nobody', 'password' => PASSWORD, 'request-id' => [$rid]]), 'unknown service');
    eq($f->faultstring, FAULT_STRING, 'faultstring (unknown service)');
});

// ---- signing through the control API, packaging (PackagingService v4) and the archive (ArchiveService v3) ----

const PACKAGING_NS = 'https://id.signicat.com/definitions/wsdl/Packaging-v4';
const ARCHIVE_NS = 'https://id.signicat.com/definitions/wsdl/Archive-v3';

/** Each task is signed by its own subject: the control API refuses a signer whose national id is not the subject's. */
function signer(string $tid): array
{
    $prefix = $tid === T1 ? 'task1Subject' : 'refSubject';
    return ['nationalId' => sc("{$prefix}NationalId"), 'firstName' => sc("{$prefix}FirstName"), 'lastName' => sc("{$prefix}LastName")];
}

/** POST …/tasks/{tid}/sign through a stream context with a JSON body: [HTTP status, decoded JSON answer]. */
function control_sign(string $base, string $rid, string $tid): array
{
    $body = json_encode(['method' => sc('signMethod'), 'signer' => signer($tid)], JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR);
    [$status, $headers, $raw] = http('POST', "$base/emulator/v1/" . SERVICE . "/requests/$rid/tasks/$tid/sign", $body,
        ['Content-Type: application/json', basic_header(SERVICE, PASSWORD)]);
    ok(str_starts_with($headers['content-type'] ?? '', 'application/json'),
        "sign $tid: Content-Type " . show($headers['content-type'] ?? null) . ', body ' . substr($raw, 0, 300));
    return [$status, json_decode($raw, true, 512, JSON_THROW_ON_ERROR)];
}

function result_uri(string $base, string $rid, string $tid, string $did): string
{
    return "$base/doc/" . SERVICE . "/order/$rid/$tid/$did/" . sc('resultUriSuffix');
}

/** @var SoapClient|null $packaging */
$packaging = null;
/** @var SoapClient|null $archive */
$archive = null;

/**
 * create-package with one `sdo` per URI. __getTypes() shows the repeated choice (sdo | sdo-extended) as two
 * single members; a list under 'sdo' is written as repeated <sdo> elements. The operation name has a
 * hyphen, so it is called with __soapCall.
 */
function create_package(array $uris, ?string $method = null, bool $toArchive = false): stdClass
{
    global $packaging;
    if ($packaging === null) {
        throw new Skip('needs the PackagingService SoapClient');
    }
    $res = $packaging->__soapCall('create-package', [[
        'version' => sc('packagingVersion'), 'service' => SERVICE, 'password' => PASSWORD,
        'validation-policy' => sc('validationPolicy'), 'packaging-method' => $method ?? sc('packagingMethod'),
        'send-result-to-archive' => $toArchive,
        'sdo' => array_map(fn($u) => ['uri-document-id' => $u], $uris),
    ]]);
    ok($res instanceof stdClass, 'create-package result is not an object: ' . show($res));
    return $res;
}

function archive_client(): SoapClient
{
    global $archive;
    if ($archive === null) {
        throw new Skip('needs the ArchiveService SoapClient');
    }
    return $archive;
}

step('control API: task_2 before task_1 -> 409 TASK_DEPENDENCIES_PENDING; task_1 then task_2 sign -> completed, result URIs', function () use ($BASE) {
    global $state;
    [$rid] = need('request_id');
    [$status, $answer] = control_sign($BASE, $rid, T2);
    eq([$status, $answer['code'] ?? null], [(int) sc('dependencyPendingStatus'), sc('dependencyPendingCode')], 'task_2 signed first');
    $signed = [];
    foreach ([T1 => [DOC_SDS, DOC_TEXT], T2 => [DOC_SDS]] as $tid => $docs) {
        [$status, $answer] = control_sign($BASE, $rid, $tid);
        eq($status, 200, "sign $tid: HTTP status (" . json_encode($answer) . ')');
        eq([$answer['requestId'] ?? null, $answer['taskId'] ?? null, $answer['status'] ?? null], [$rid, $tid, sc('signedStatus')], "sign $tid");
        eq(array_map(fn($d) => [$d['documentId'] ?? null, $d['action'] ?? null, $d['resultUri'] ?? null], $answer['documents'] ?? []),
            array_map(fn($d) => [$d, 'sign', result_uri($BASE, $rid, $tid, $d)], $docs), "sign $tid: documents");
        $signed[$tid] = $docs;
    }
    $state['signed'] = $signed;
});

step('getStatus after signing: task_1 and task_2 completed with a result-uri per signed document, task_3 still deleted', function () use ($BASE) {
    global $state;
    [$rid, $signed] = need('request_id', 'signed');
    [, $by] = status_by_task($rid);
    eq(array_map(fn($i) => g($i, 'task-status'), $by), [T1 => sc('signedStatus'), T2 => sc('signedStatus'), T3 => 'deleted'], 'statuses');
    foreach ($signed as $tid => $docs) {
        eq(array_map(fn($d) => [g($d, 'id'), g($d, 'original-uri'), g($d, 'result-uri')], as_list(g($by[$tid], 'document-status'))),
            array_map(fn($d) => [$d, original_uri($BASE, $rid, $tid, $d), result_uri($BASE, $rid, $tid, $d)], $docs), "$tid document-status");
    }
    eq(array_map(fn($d) => g($d, 'result-uri'), as_list(g($by[T3], 'document-status'))), [null], 'task_3 result-uri');
    // The result is the LTV-SDO, served with the service's credentials.
    [$status, $headers] = http('GET', result_uri($BASE, $rid, T1, DOC_SDS), null, [basic_header(SERVICE, PASSWORD)]);
    eq([$status, $headers['content-type'] ?? null], [200, 'application/x-ltv-sdo'], 'GET task_1 result-uri');
    $uris = [];
    foreach ([T1, T2] as $tid) {
        foreach (as_list(g($by[$tid], 'document-status')) as $d) {
            if (g($d, 'id') === DOC_SDS) {
                $uris[] = g($d, 'result-uri');
            }
        }
    }
    $state['sdo_uris'] = $uris;
});

step('wsdl: SoapClients for PackagingService v4 and ArchiveService v3 from the served WSDLs', function () use ($BASE) {
    global $packaging, $archive;
    $opts = ['trace' => 1, 'exceptions' => true, 'cache_wsdl' => WSDL_CACHE_NONE];
    $p = new SoapClient("$BASE/ws/packagingservice-v4?wsdl", $opts);
    eq($p->__getFunctions(), ['create-package-response create-package(create-package-request $request)'], 'packaging operations');
    $a = new SoapClient("$BASE/ws/archiveservice-v3?wsdl", $opts);
    eq($a->__getFunctions(), [
        'get-document-response getDocument(get-document-request $request)',
        'remove-document-response removeDocument(remove-document-request $request)',
    ], 'archive operations');
    $packaging = $p;
    $archive = $a;
});

step('create-package: uri-document-id = the two result-uris of the sds PDF -> one package, an SDS id', function () {
    global $state, $packaging;
    [$uris] = need('sdo_uris');
    eq(count($uris), 2, 'result-uris of the sds PDF');
    $res = create_package($uris);
    eq(g($res, 'error'), null, 'error');
    $id = g($res, 'id');
    ok(is_string($id) && (bool) preg_match(ID_RE, $id), 'id ' . show($id) . ' is not a 58-char id');
    // On the wire: the request in the Packaging-v4 namespace, two <sdo>, each with its uri-document-id.
    $sent = $packaging->__getLastRequest();
    $decls = ns_decls($sent, 'sent create-package');
    ok(in_array(PACKAGING_NS, $decls, true), 'Packaging-v4 namespace not declared in the request');
    eq(count(start_tags($sent, 'sdo')), 2, '<sdo> elements sent');
    eq(texts($sent, 'uri-document-id'), $uris, 'uri-document-ids sent');
    $state['package_id'] = $id;
});

step('SDS: GET the package -> Content-Type application/x-pades, a PDF', function () use ($BASE) {
    [$id] = need('package_id');
    [$status, $headers, $body] = http('GET', "$BASE/doc/" . SERVICE . "/sds/$id", null, [basic_header(SERVICE, PASSWORD)]);
    eq($status, 200, 'HTTP status');
    eq($headers['content-type'] ?? null, sc('packageContentType'), 'Content-Type');
    ok(str_starts_with($body, sc('packageMagic')), 'body starts with ' . show(substr($body, 0, 16)));
    ok(strlen($body) > strlen(PDF), 'package of ' . strlen($body) . ' bytes is not bigger than the original');
});

step('create-package with an unsupported packaging-method -> in-band error PACKAGING_METHOD_UNSUPPORTED, no id', function () {
    [$uris] = need('sdo_uris');
    $res = create_package($uris, sc('badPackagingMethod'));
    eq(g($res, 'id'), null, 'id');
    $err = g($res, 'error');
    ok(is_object($err), 'no error: ' . show($res));
    eq(g($err, 'code'), sc('badPackagingMethodCode'), 'error code');
    ok(is_string(g($err, 'message')) && g($err, 'message') !== '', 'error without a message');
});

step('create-package send-result-to-archive=true -> archive id; getDocument = GET /doc/demo/archive/{id}', function () use ($BASE) {
    global $state;
    [$uris] = need('sdo_uris');
    $a = archive_client();
    $res = create_package($uris, null, true);
    eq(g($res, 'error'), null, 'error');
    $id = g($res, 'id');
    ok(is_string($id) && (bool) preg_match(ID_RE, $id), 'id ' . show($id) . ' is not a 58-char id');
    $got = $a->getDocument(['version' => sc('archiveVersion'), 'service' => SERVICE, 'password' => PASSWORD, 'archive-id' => $id]);
    $data = g($got, 'document-data');
    ok(is_object($data), 'no document-data: ' . show($got));
    // The archive-id attribute is a property like the elements; data (xs:base64Binary) arrives decoded.
    eq([g($data, 'archive-id'), g($data, 'mime-type')], [$id, sc('packageContentType')], 'document-data');
    $content = g($data, 'data');
    ok(is_string($content) && str_starts_with($content, sc('packageMagic')), 'data starts with ' . show(substr((string) $content, 0, 16)));
    [$status, $headers, $body] = http('GET', "$BASE/doc/" . SERVICE . "/archive/$id", null, [basic_header(SERVICE, PASSWORD)]);
    eq([$status, $headers['content-type'] ?? null], [200, sc('packageContentType')], 'GET archive');
    ok($body === $content, 'HTTP gave ' . strlen($body) . ' bytes, getDocument ' . strlen($content) . ', not the same');
    $state['archive_id'] = $id;
});

step('removeDocument: [package, unknown id] -> only the package id; again -> none; getDocument then faults', function () {
    [$id] = need('archive_id');
    $a = archive_client();
    $remove = function () use ($a, $id) {
        $res = $a->removeDocument(['version' => sc('archiveVersion'), 'service' => SERVICE, 'password' => PASSWORD,
            'archive-id' => [$id, sc('unknownArchiveId')]]);
        // An empty remove-document-response is an empty object; one archive-id a string, several an array.
        return as_list(is_object($res) ? g($res, 'archive-id') : $res);
    };
    eq($remove(), [$id], 'removed');
    eq($remove(), [], 'removed again');
    expect_fault(fn() => $a->getDocument(['version' => sc('archiveVersion'), 'service' => SERVICE, 'password' => PASSWORD, 'archive-id' => $id]),
        'getDocument of a removed id');
});

step('deleteRequest: deleted = 1, then getStatus shows every task deleted; deleting again -> 0', function () use ($CLIENT_REF) {
    [$rid, $rid2] = need('request_id', 'request_id_2');
    $c = client();
    $deleted = function () use ($c, $rid) {
        $res = $c->deleteRequest(auth(['request-id' => [$rid]]));
        return is_object($res) ? g($res, 'deleted') : $res;
    };
    eq($deleted(), 1, 'deleted');
    [$infos, $by] = status_by_task($rid);
    eq(array_map(fn($i) => [g($i, 'task-id'), g($i, 'task-status')], $infos),
        [[T1, 'deleted'], [T2, 'deleted'], [T3, 'deleted']], 'statuses after delete');
    eq(g($by[T1], 'client-reference'), $CLIENT_REF, 'client-reference after delete');
    eq($deleted(), 0, 'deleting again');
    [, $by2] = status_by_task($rid2);
    eq(array_values(array_map(fn($i) => g($i, 'task-status'), $by2)), array_fill(0, 5, 'created'), 'request 2 untouched');
});

$failed = array_filter($results, fn($r) => !$r[0]);
echo (count($results) - count($failed)) . ' passed, ' . count($failed) . " failed\n";
exit($failed ? 1 : 0);
