import com.signicat.document.v3.*;
// The PackagingService and ArchiveService classes are imported one by one: both packages have names that
// clash with an on-demand import (com.signicat.packaging.v4.Error with java.lang.Error,
// com.signicat.archive.v3.DocumentData with com.signicat.document.v3.DocumentData); those two are written
// fully qualified.
import com.signicat.archive.v3.ArchiveEndPoint;
import com.signicat.archive.v3.ArchiveService;
import com.signicat.archive.v3.GetDocumentRequest;
import com.signicat.archive.v3.GetDocumentResponse;
import com.signicat.archive.v3.RemoveDocumentRequest;
import com.signicat.packaging.v4.CreatePackageRequest;
import com.signicat.packaging.v4.CreatePackageResponse;
import com.signicat.packaging.v4.DocumentId;
import com.signicat.packaging.v4.PackagingEndPoint;
import com.signicat.packaging.v4.PackagingService;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Drives one whole DocumentService v3 order through a JAX-WS (wsimport) client, the way a legacy Java
 * client would. Usage: java -cp "classes:/usr/share/java/*" OrderLife BASE_URL [SCENARIO_FILE]
 *
 * Before the order is deleted its tasks are signed through the emulator control API (java.net.http, as a
 * CI harness would), and the two signatures of its PDF are packaged through PackagingService v4 and read
 * back and removed through ArchiveService v3, with classes wsimport generated from those services' served
 * WSDLs (packages com.signicat.packaging.v4 and com.signicat.archive.v3).
 *
 * The order's values (credentials, documents, subjects, task ids, ...) come from the scenario file shared
 * by every interop client (fixtures/interop/scenario.properties, relative to the working directory, by
 * default): flat key=value lines, UTF-8, # comments, read with java.util.Properties.
 *
 * Every step prints exactly one line, "PASS <step>" or "FAIL <step>: <reason>"; the exit code is 1 when
 * any step failed. Expected values are those of the wire contract (CONTRACT.md sections 0, 1 and 4).
 */
public final class OrderLife {
    static final String DEFAULT_SCENARIO = "fixtures/interop/scenario.properties";
    static final Properties SCENARIO = new Properties();
    static String SERVICE;
    static String PASSWORD;
    static String FAULT_STRING;
    static String SDS_TYPE;
    static String DOC_SDS;
    static String DOC_TEXT;
    static String TEXT_TYPE;
    static String TEXT;
    static byte[] TEXT_BYTES;
    static String SUBJ;
    static String T1;
    static String T2;
    static String T3;
    static String CLIENT_REF;
    static String CLIENT_STATUS;
    static final Pattern ID_RE = Pattern.compile("^[0-9]{8}[0-9a-z]{50}$");
    static final byte[] PDF = ("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            + "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String[] PAGE_TASKS = {"p03", "p01", "p05", "p02", "p04"};

    static String base;

    /** A value the scenario file must define. */
    static String sc(String key) {
        String v = SCENARIO.getProperty(key);
        if (v == null) {
            System.err.println("scenario file has no '" + key + "'");
            System.exit(2);
        }
        return v;
    }

    static void loadScenario(String path) throws java.io.IOException {
        try (Reader in = new InputStreamReader(new FileInputStream(path), StandardCharsets.UTF_8)) {
            SCENARIO.load(in);
        }
        SERVICE = sc("service");
        PASSWORD = sc("password");
        FAULT_STRING = sc("faultString");
        SDS_TYPE = sc("sdsContentType");
        DOC_SDS = sc("sdsDocumentId");
        DOC_TEXT = sc("textDocumentId");
        TEXT_TYPE = sc("textDocumentMimeType");
        TEXT = sc("textDocumentContent");
        TEXT_BYTES = TEXT.getBytes(StandardCharsets.UTF_8);
        SUBJ = sc("refSubjectId");
        T1 = sc("task1Id");
        T2 = sc("task2Id");
        T3 = sc("task3Id");
        CLIENT_REF = sc("clientReference");
        CLIENT_STATUS = sc("clientStatus");
    }
    static DocumentEndPoint port;
    static final Map<String, Object> state = new HashMap<>();
    static int passed = 0;
    static int failed = 0;

    interface Body { void run() throws Exception; }

    static final class Skip extends Exception {
        Skip(String m) { super(m); }
    }

    static void step(String name, Body body) {
        try {
            body.run();
            System.out.println("PASS " + name);
            passed++;
        } catch (Skip e) {
            System.out.println("FAIL " + name + ": skipped, " + e.getMessage());
            failed++;
        } catch (AssertionError e) {
            System.out.println("FAIL " + name + ": " + e.getMessage());
            failed++;
        } catch (javax.xml.ws.soap.SOAPFaultException e) {
            System.out.println("FAIL " + name + ": unexpected SOAP fault " + e.getFault().getFaultCode() + ": " + e.getMessage());
            failed++;
        } catch (Throwable e) {
            StackTraceElement where = null;
            for (StackTraceElement s : e.getStackTrace()) {
                if (s.getClassName().startsWith("OrderLife")) { where = s; break; }
            }
            System.out.println("FAIL " + name + ": " + e.getClass().getName() + ": " + e.getMessage() + " [" + where + "]");
            failed++;
        }
        System.out.flush();
    }

    @SuppressWarnings("unchecked")
    static <T> T need(String key) throws Skip {
        if (!state.containsKey(key)) throw new Skip("needs " + key + " from an earlier step");
        return (T) state.get(key);
    }

    static void eq(Object actual, Object expected, String what) {
        if (!Objects.equals(actual, expected)) {
            throw new AssertionError(what + ": expected " + show(expected) + ", got " + show(actual));
        }
    }

    static String show(Object o) {
        if (o instanceof String) return "\"" + o + "\"";
        if (o instanceof byte[]) return Arrays.toString((byte[]) o);
        return String.valueOf(o);
    }

    static void check(boolean cond, String what) {
        if (!cond) throw new AssertionError(what);
    }

    static String originalUri(String rid, String tid, String did) {
        return base + "/doc/" + SERVICE + "/order/" + rid + "/" + tid + "/" + did + "/original";
    }

    // ---- builders ------------------------------------------------------------------------------------

    static TaskFilterCriteria criteria(TaskFilterField field, String value, LogicalOperator op) {
        TaskFilterCriteria c = new TaskFilterCriteria();
        c.setField(field);
        c.setValue(value); // a java.lang.String: JAXB writes xsi:type="xs:string"
        c.setOperator(op);
        return c;
    }

    static TaskFilter filter(TaskFilterCriteria... cs) {
        TaskFilter f = new TaskFilter();
        f.getCriteria().addAll(Arrays.asList(cs));
        return f;
    }

    static List<TaskInfo> find(TaskFilter f, Integer from, Integer to, TaskFilterField sort, Boolean asc) {
        FindTasksRequest r = new FindTasksRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.setFilter(f);
        if (from != null) r.setFromIndex(BigInteger.valueOf(from));
        if (to != null) r.setToIndex(BigInteger.valueOf(to));
        if (sort != null) r.setSortField(sort);
        if (asc != null) r.setAscending(asc);
        FindTasksResponse res = port.findTasks(r);
        check(res != null, "findTasks returned null");
        return res.getTask();
    }

    static List<TaskInfo> find(TaskFilter f) {
        return find(f, null, null, null, null);
    }

    static List<TaskStatusInfo> status(String rid) {
        GetStatusRequest r = new GetStatusRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.getRequestId().add(rid);
        GetStatusResponse res = port.getStatus(r);
        List<TaskStatusInfo> infos = res.getTaskStatusInfo();
        for (TaskStatusInfo i : infos) {
            eq(i.getRequestId(), rid, "task-status-info request-id");
            check(i.getTaskStatus() != null, "task-status missing for " + i.getTaskId());
        }
        return infos;
    }

    static Map<String, TaskStatusInfo> byTask(List<TaskStatusInfo> infos) {
        Map<String, TaskStatusInfo> by = new HashMap<>();
        for (TaskStatusInfo i : infos) by.put(i.getTaskId(), i);
        eq(by.size(), infos.size(), "task-ids in getStatus are unique");
        return by;
    }

    static List<String> taskIds(List<?> items) {
        List<String> ids = new ArrayList<>();
        for (Object o : items) {
            if (o instanceof TaskInfo) ids.add(((TaskInfo) o).getTaskId());
            else if (o instanceof TaskStatusInfo) ids.add(((TaskStatusInfo) o).getTaskId());
            else if (o instanceof Task) ids.add(((Task) o).getId());
        }
        return ids;
    }

    static DocumentAction action(DocumentActionType type, String ref, Integer order, Boolean optional) {
        DocumentAction a = new DocumentAction();
        a.setType(type);
        a.setDocumentRef(ref);
        a.setOrderIndex(order);
        a.setOptional(optional);
        return a;
    }

    static Request buildRequest(String sdsId) {
        Request req = new Request();
        req.setProfile(sc("profile"));
        req.setLanguage(sc("language"));

        Subject shared = new Subject();
        shared.setId(SUBJ);
        shared.setNationalId(sc("refSubjectNationalId"));
        shared.setFirstName(sc("refSubjectFirstName"));
        shared.setLastName(sc("refSubjectLastName"));
        shared.setMobile("+4790000001");
        shared.setEmail("ase@example.com");
        req.getSubject().add(shared);

        SdsDocument sds = new SdsDocument();
        sds.setId(DOC_SDS);
        sds.setRefSdsId(sdsId);
        sds.setDescription(sc("sdsDocumentDescription"));
        sds.setExternalReference("ext-1");
        sds.setSendToArchive(false);
        ProvidedDocument provided = new ProvidedDocument();
        provided.setId(DOC_TEXT);
        provided.setMimeType(TEXT_TYPE);
        provided.setData(TEXT_BYTES);
        provided.setDescription(sc("textDocumentDescription"));
        req.getDocument().add(sds);
        req.getDocument().add(provided);

        // task 1: an inline subject, signs both documents, a URL notification on completion, an artifact.
        Task t1 = new Task();
        t1.setId(T1);
        t1.setBundle(false);
        Subject inline = new Subject();
        inline.setNationalId(sc("task1SubjectNationalId"));
        inline.setFirstName(sc("task1SubjectFirstName"));
        inline.setLastName(sc("task1SubjectLastName"));
        inline.setEmail(sc("task1SubjectEmail"));
        t1.setSubject(inline);
        t1.setDaysToLive(14);
        t1.setLanguage("en");
        t1.getDocumentAction().add(action(DocumentActionType.SIGN, DOC_SDS, 1, null));
        t1.getDocumentAction().add(action(DocumentActionType.SIGN, DOC_TEXT, 2, false));
        Notification n = new Notification();
        n.setType(NotificationType.URL);
        n.setNotificationId(sc("task1NotificationId"));
        n.setRecipient(sc("task1NotificationRecipient"));
        n.setMessage(sc("task1NotificationMessage"));
        Schedule s = new Schedule();
        s.setStateIs(TaskStatus.fromValue(sc("task1NotificationStateIs")));
        n.getSchedule().add(s);
        t1.getNotification().add(n);
        Authentication auth = new Authentication();
        auth.setArtifact(true);
        auth.getMethod().add("nbid");
        t1.setAuthentication(auth);
        t1.setOnTaskComplete("https://client.example/done");

        // task 2: the request-level subject by subject-ref, signs the PDF, after task 1.
        Task t2 = new Task();
        t2.setId(T2);
        t2.setSubjectRef(SUBJ);
        t2.getDocumentAction().add(action(DocumentActionType.SIGN, DOC_SDS, null, null));
        t2.getDependsOnTask().add(T1);

        req.getTask().add(t1);
        req.getTask().add(t2);
        req.setClientReference(CLIENT_REF);
        return req;
    }

    static CreateRequestResponse create(String service, String password, Request req) {
        CreateRequestRequest r = new CreateRequestRequest();
        r.setService(service);
        r.setPassword(password);
        r.getRequest().add(req);
        return port.createRequest(r);
    }

    // ---- the steps -----------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 2) {
            System.err.println("usage: OrderLife BASE_URL [SCENARIO_FILE]");
            System.exit(2);
        }
        base = args[0].replaceAll("/+$", "");
        loadScenario(args.length == 2 ? args[1] : DEFAULT_SCENARIO);

        step("wsdl: DocumentService built from the served WSDL, port ready", () -> {
            DocumentService service = new DocumentService(new URL(base + "/ws/documentservice-v3?wsdl"));
            port = service.getDocumentServiceEndPointPort();
            Object address = ((javax.xml.ws.BindingProvider) port).getRequestContext()
                    .get(javax.xml.ws.BindingProvider.ENDPOINT_ADDRESS_PROPERTY);
            eq(address, base + "/ws/documentservice-v3", "endpoint address from soap:address");
            state.put("port", port);
        });

        step("sds upload: HttpURLConnection POST, credentials only via Authenticator -> 201, 58-char id", () -> {
            final int[] asked = {0};
            Authenticator authenticator = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    asked[0]++;
                    return new PasswordAuthentication(SERVICE, PASSWORD.toCharArray());
                }
            };
            HttpURLConnection c = (HttpURLConnection) new URL(base + "/doc/" + SERVICE + "/sds").openConnection();
            c.setAuthenticator(authenticator);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", SDS_TYPE);
            try (OutputStream out = c.getOutputStream()) {
                out.write(PDF);
            }
            int code = c.getResponseCode();
            String body = new String(readAll(code >= 400 ? c.getErrorStream() : c.getInputStream()), StandardCharsets.US_ASCII);
            eq(code, 201, "HTTP status (body " + body + ")");
            check(asked[0] >= 1, "the Authenticator was never asked (no 401 challenge?)");
            eq(body.length(), 58, "id length of \"" + body + "\"");
            check(ID_RE.matcher(body).matches(), "id " + body + " is not ddMMyyyy + [0-9a-z]{50}");
            String location = c.getHeaderField("Location");
            check(location != null && location.endsWith("/" + body), "Location " + location + " does not end with the id");
            state.put("sds_id", body);
        });

        step("createRequest: sds + provided documents, inline subject, subject-ref, depends-on-task -> id and artifact", () -> {
            need("port");
            String sdsId = need("sds_id");
            CreateRequestResponse res = create(SERVICE, PASSWORD, buildRequest(sdsId));
            eq(res.getRequestId().size(), 1, "number of request-ids");
            String rid = res.getRequestId().get(0);
            check(ID_RE.matcher(rid).matches(), "request-id " + rid + " is not a 58-char id");
            check(res.getArtifact() != null && !res.getArtifact().trim().isEmpty(), "artifact is empty: " + res.getArtifact());
            state.put("request_id", rid);
            state.put("artifact", res.getArtifact());
        });

        step("getRequest: documents come back as SdsDocument and ProvidedDocument, tasks as sent", () -> {
            String rid = need("request_id");
            String sdsId = need("sds_id");
            GetRequestRequest r = new GetRequestRequest();
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.setRequestId(rid);
            Request req = port.getRequest(r).getRequest();
            check(req != null, "no request");
            eq(req.getClientReference(), CLIENT_REF, "client-reference");
            eq(req.getDocument().size(), 2, "number of documents");
            Document d1 = req.getDocument().get(0);
            Document d2 = req.getDocument().get(1);
            check(d1 instanceof SdsDocument, "document[1] is " + d1.getClass().getName() + ", not SdsDocument");
            check(d2 instanceof ProvidedDocument, "document[2] is " + d2.getClass().getName() + ", not ProvidedDocument");
            SdsDocument sds = (SdsDocument) d1;
            eq(sds.getId(), DOC_SDS, "doc_1 @id");
            eq(sds.getRefSdsId(), sdsId, "doc_1 ref-sds-id");
            eq(sds.getDescription(), sc("sdsDocumentDescription"), "doc_1 description");
            eq(sds.getExternalReference(), "ext-1", "doc_1 external-reference");
            ProvidedDocument p = (ProvidedDocument) d2;
            eq(p.getId(), DOC_TEXT, "doc_2 @id");
            eq(p.getMimeType(), TEXT_TYPE, "doc_2 mime-type");
            eq(p.getDescription(), sc("textDocumentDescription"), "doc_2 description");
            check(Arrays.equals(p.getData(), TEXT_BYTES), "doc_2 data: got " + (p.getData() == null ? "null"
                    : new String(p.getData(), StandardCharsets.UTF_8)));
            eq(req.getSubject().size(), 1, "request-level subjects");
            Subject s = req.getSubject().get(0);
            eq(Arrays.asList(s.getId(), s.getNationalId(), s.getFirstName(), s.getLastName(), s.getMobile(), s.getEmail()),
                    Arrays.asList(SUBJ, sc("refSubjectNationalId"), sc("refSubjectFirstName"), sc("refSubjectLastName"), "+4790000001", "ase@example.com"),
                    "request subject");
            eq(taskIds(req.getTask()), Arrays.asList(T1, T2), "task ids");
            Task t1 = req.getTask().get(0);
            Task t2 = req.getTask().get(1);
            check(t1.getSubject() != null, "task_1 inline subject missing");
            eq(Arrays.asList(t1.getSubject().getNationalId(), t1.getSubject().getFirstName(), t1.getSubject().getLastName(),
                    t1.getSubject().getEmail()), Arrays.asList(sc("task1SubjectNationalId"), sc("task1SubjectFirstName"), sc("task1SubjectLastName"), sc("task1SubjectEmail")),
                    "task_1 inline subject");
            eq(t1.getSubjectRef(), null, "task_1 subject-ref");
            eq(t1.getDaysToLive(), 14, "task_1 days-to-live");
            eq(t1.getDocumentAction().size(), 2, "task_1 document-actions");
            DocumentAction a1 = t1.getDocumentAction().get(0);
            DocumentAction a2 = t1.getDocumentAction().get(1);
            eq(Arrays.asList(a1.getType(), a1.getDocumentRef(), a1.getOrderIndex()),
                    Arrays.<Object>asList(DocumentActionType.SIGN, DOC_SDS, 1), "task_1 document-action[1]");
            eq(Arrays.asList(a2.getType(), a2.getDocumentRef(), a2.getOrderIndex(), a2.isOptional()),
                    Arrays.<Object>asList(DocumentActionType.SIGN, DOC_TEXT, 2, false), "task_1 document-action[2]");
            eq(t1.getNotification().size(), 1, "task_1 notifications");
            Notification n = t1.getNotification().get(0);
            eq(Arrays.asList(n.getType(), n.getNotificationId(), n.getRecipient(), n.getMessage()),
                    Arrays.<Object>asList(NotificationType.URL, sc("task1NotificationId"), sc("task1NotificationRecipient"), sc("task1NotificationMessage")),
                    "task_1 notification");
            eq(n.getSchedule().size(), 1, "task_1 notification schedules");
            eq(n.getSchedule().get(0).getStateIs().value(), sc("task1NotificationStateIs"), "schedule state-is");
            check(t1.getAuthentication() != null, "task_1 authentication missing");
            eq(t1.getAuthentication().isArtifact(), true, "task_1 authentication/@artifact");
            eq(t1.getAuthentication().getMethod(), Arrays.asList("nbid"), "task_1 authentication/method");
            eq(t1.getLanguage(), "en", "task_1 language");
            eq(t1.getOnTaskComplete(), "https://client.example/done", "task_1 on-task-complete");
            eq(t1.getDependsOnTask(), new ArrayList<String>(), "task_1 depends-on-task");
            eq(t2.getSubjectRef(), SUBJ, "task_2 subject-ref");
            eq(t2.getSubject(), null, "task_2 subject (it uses subject-ref)");
            eq(t2.getDependsOnTask(), Arrays.asList(T1), "task_2 depends-on-task");
            eq(t2.getDocumentAction().size(), 1, "task_2 document-actions");
            eq(t2.getDocumentAction().get(0).getDocumentRef(), DOC_SDS, "task_2 document-ref");
        });

        step("getStatus: both tasks created, client-reference, document-status original-uri", () -> {
            String rid = need("request_id");
            List<TaskStatusInfo> infos = status(rid);
            eq(taskIds(infos), Arrays.asList(T1, T2), "task-ids");
            Map<String, List<String>> docs = new HashMap<>();
            docs.put(T1, Arrays.asList(DOC_SDS, DOC_TEXT));
            docs.put(T2, Arrays.asList(DOC_SDS));
            for (TaskStatusInfo i : infos) {
                String tid = i.getTaskId();
                eq(i.getTaskStatus(), TaskStatus.CREATED, tid + " task-status");
                eq(i.getClientReference(), CLIENT_REF, tid + " client-reference");
                eq(i.getClientStatus(), null, tid + " client-status");
                List<String> ids = new ArrayList<>();
                for (DocumentStatus d : i.getDocumentStatus()) {
                    ids.add(d.getId());
                    eq(d.getOriginalUri(), originalUri(rid, tid, d.getId()), tid + "/" + d.getId() + " original-uri");
                    eq(d.getResultUri(), null, tid + "/" + d.getId() + " result-uri (not signed yet)");
                }
                eq(ids, docs.get(tid), tid + " document-status ids");
            }
        });

        step("findTasks: criteria values are java.lang.String (xs:string) -> task-info of task_1", () -> {
            String rid = need("request_id");
            List<TaskInfo> items = find(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS),
                    criteria(TaskFilterField.TASK_ID, T1, LogicalOperator.EQUALS)));
            eq(items.size(), 1, "number of task-infos");
            TaskInfo t = items.get(0);
            eq(t.getRequestId(), rid, "request-id");
            eq(t.getTaskId(), T1, "task-id");
            eq(t.getTaskStatus(), TaskStatus.CREATED, "task-status");
            eq(t.getClientReference(), CLIENT_REF, "client-reference");
            eq(t.getClientStatus(), null, "client-status");
            eq(t.getSubjectFirstName(), sc("task1SubjectFirstName"), "subject-first-name (inline subject)");
            eq(t.getSubjectNationalId(), sc("task1SubjectNationalId"), "subject-national-id");
            eq(t.getDaysToLive(), BigInteger.valueOf(14), "days-to-live");
            eq(t.getLanguage(), "en", "language");
            eq(t.getDocumentId(), DOC_SDS, "document-id");
            eq(t.getMimeType(), SDS_TYPE, "mime-type");
            check(t.getId() != null && !t.getId().isEmpty(), "id is empty");
            check(t.getCreated() != null && t.getLastUpdated() != null, "created/last-updated missing");
            items = find(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS),
                    criteria(TaskFilterField.TASK_ID, T2, LogicalOperator.EQUALS)));
            eq(items.size(), 1, "task_2 task-infos");
            eq(Arrays.asList(items.get(0).getSubjectFirstName(), items.get(0).getSubjectLastName()),
                    Arrays.asList(sc("refSubjectFirstName"), sc("refSubjectLastName")), "task_2 subject via subject-ref");
            items = find(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS),
                    criteria(TaskFilterField.TASK_ID, T1, LogicalOperator.NOT_EQUALS)));
            eq(taskIds(items), Arrays.asList(T2), "not-equals task_1");
            items = find(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS),
                    criteria(TaskFilterField.TASK_ID, "no-such-task", LogicalOperator.EQUALS)));
            eq(items.size(), 0, "unknown task-id");
        });

        step("findTasks paging: from-index/to-index, sort-field task-id, ascending true/false", () -> {
            String sdsId = need("sds_id");
            Request req = new Request();
            SdsDocument d = new SdsDocument();
            d.setId("d");
            d.setRefSdsId(sdsId);
            d.setDescription("Paging");
            req.getDocument().add(d);
            for (String tid : PAGE_TASKS) {
                Task t = new Task();
                t.setId(tid);
                t.getDocumentAction().add(action(DocumentActionType.SIGN, "d", null, null));
                req.getTask().add(t);
            }
            req.setClientReference("paging-" + RUN);
            CreateRequestResponse res = create(SERVICE, PASSWORD, req);
            eq(res.getRequestId().size(), 1, "number of request-ids");
            String rid2 = res.getRequestId().get(0);
            eq(res.getArtifact(), null, "artifact (no task asked for one)");
            state.put("request_id_2", rid2);
            TaskFilter f = filter(criteria(TaskFilterField.REQUEST_ID, rid2, LogicalOperator.EQUALS));
            TaskFilterField tf = TaskFilterField.TASK_ID;
            eq(taskIds(find(f, 0, 100, tf, true)), Arrays.asList("p01", "p02", "p03", "p04", "p05"), "all ascending");
            eq(taskIds(find(f, 0, 100, tf, false)), Arrays.asList("p05", "p04", "p03", "p02", "p01"), "all descending");
            eq(taskIds(find(f, 0, 2, tf, true)), Arrays.asList("p01", "p02"), "page 0..2 ascending");
            eq(taskIds(find(f, 2, 4, tf, true)), Arrays.asList("p03", "p04"), "page 2..4 ascending");
            eq(taskIds(find(f, 4, 6, tf, true)), Arrays.asList("p05"), "page 4..6 ascending");
            eq(taskIds(find(f, 5, 10, tf, true)), new ArrayList<String>(), "page past the end");
            eq(taskIds(find(f, 1, 3, tf, false)), Arrays.asList("p04", "p03"), "page 1..3 descending");
        });

        step("getTaskCount: 1, 2, 5 and 0", () -> {
            String rid = need("request_id");
            String rid2 = need("request_id_2");
            eq(count(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS),
                    criteria(TaskFilterField.TASK_ID, T1, LogicalOperator.EQUALS))), 1, "count task_1");
            eq(count(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS))), 2, "count request 1");
            eq(count(filter(criteria(TaskFilterField.REQUEST_ID, rid2, LogicalOperator.EQUALS))), 5, "count request 2");
            eq(count(filter(criteria(TaskFilterField.TASK_ID, "no-such-task", LogicalOperator.EQUALS))), 0, "count unknown");
        });

        step("addTask: task_3 viewing doc_1; no artifact; getStatus lists it as created", () -> {
            String rid = need("request_id");
            Task t3 = new Task();
            t3.setId(T3);
            Subject s = new Subject();
            s.setFirstName("Carl");
            s.setLastName("Viewer");
            s.setEmail("carl@example.com");
            t3.setSubject(s);
            t3.getDocumentAction().add(action(DocumentActionType.VIEW, DOC_SDS, null, null));
            AddTaskRequest r = new AddTaskRequest();
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.setRequestId(rid);
            r.setTask(t3);
            AddTaskResponse res = port.addTask(r);
            check(res != null, "addTask returned null");
            eq(res.getArtifact(), null, "addTask artifact (none asked for)");
            Map<String, TaskStatusInfo> by = byTask(status(rid));
            eq(by.keySet().size(), 3, "tasks after addTask");
            check(by.containsKey(T3), "task_3 not in getStatus");
            eq(by.get(T3).getTaskStatus(), TaskStatus.CREATED, "task_3 status");
            List<DocumentStatus> ds = by.get(T3).getDocumentStatus();
            eq(ds.size(), 1, "task_3 document-status count");
            eq(ds.get(0).getOriginalUri(), originalUri(rid, T3, DOC_SDS), "task_3 original-uri");
        });

        step("setClientStatus: getStatus and findTasks read it back", () -> {
            String rid = need("request_id");
            SetClientStatusRequest r = new SetClientStatusRequest();
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.setRequestId(rid);
            r.setTaskId(T1);
            r.setClientStatus(CLIENT_STATUS);
            port.setClientStatus(r);
            Map<String, TaskStatusInfo> by = byTask(status(rid));
            eq(by.get(T1).getClientStatus(), CLIENT_STATUS, "getStatus task_1 client-status");
            eq(by.get(T2).getClientStatus(), null, "getStatus task_2 client-status");
            List<TaskInfo> items = find(filter(criteria(TaskFilterField.CLIENT_STATUS, CLIENT_STATUS, LogicalOperator.EQUALS)));
            eq(items.size(), 1, "findTasks by client-status");
            eq(Arrays.asList(items.get(0).getRequestId(), items.get(0).getTaskId(), items.get(0).getClientStatus()),
                    Arrays.asList(rid, T1, CLIENT_STATUS), "findTasks by client-status");
        });

        step("createArtifact: non-empty, different from the createRequest one", () -> {
            String rid = need("request_id");
            String first = need("artifact");
            String a = artifact(rid, T1);
            check(a != null && !a.trim().isEmpty(), "artifact is empty: " + a);
            check(!a.equals(first), "createArtifact returned the createRequest artifact again");
            check(!a.equals(artifact(rid, T1)), "two createArtifact calls returned the same artifact");
        });

        step("getRequestHistory: task_1 history starts with request-created", () -> {
            String rid = need("request_id");
            List<Event> events = history(rid, T1);
            check(!events.isEmpty(), "no events");
            eq(events.get(0).getEvent(), EventType.REQUEST_CREATED, "first event");
            for (Event e : events) {
                check(e.getEvent() != null, "event without a type");
                check(e.getEventTime() != null, "event without event-time");
                long ms = Math.abs(System.currentTimeMillis() - e.getEventTime().toGregorianCalendar().getTimeInMillis());
                check(ms < 600_000, "event-time " + e.getEventTime() + " is " + ms + " ms away from now");
            }
            state.put("history_task_3", history(rid, T3).size());
        });

        step("disableTask: task_3 becomes deleted, the others stay created", () -> {
            String rid = need("request_id");
            int before = need("history_task_3");
            DisableTaskRequest r = new DisableTaskRequest();
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.setRequestId(rid);
            r.setTaskId(T3);
            port.disableTask(r);
            Map<String, TaskStatusInfo> by = byTask(status(rid));
            eq(by.get(T1).getTaskStatus(), TaskStatus.CREATED, "task_1 status");
            eq(by.get(T2).getTaskStatus(), TaskStatus.CREATED, "task_2 status");
            eq(by.get(T3).getTaskStatus(), TaskStatus.DELETED, "task_3 status");
            int after = history(rid, T3).size();
            check(after > before, "history of task_3 has " + after + " events, had " + before);
        });

        step("wrong password: SOAPFaultException with the scenario fault string", () -> {
            String rid = need("request_id");
            GetStatusRequest r = new GetStatusRequest();
            r.setService(SERVICE);
            r.setPassword(sc("wrongPassword"));
            r.getRequestId().add(rid);
            try {
                GetStatusResponse res = port.getStatus(r);
                throw new AssertionError("expected a SOAP fault, got " + res);
            } catch (javax.xml.ws.soap.SOAPFaultException e) {
                checkFaultMessage(e, "getStatus");
            }
            try {
                CreateRequestResponse res = create(SERVICE, sc("wrongPassword"), buildRequest(need("sds_id")));
                throw new AssertionError("createRequest with a wrong password: expected a SOAP fault, got " + res);
            } catch (javax.xml.ws.soap.SOAPFaultException e) {
                checkFaultMessage(e, "createRequest");
            }
        });

        step("another service: getStatus of this service's request faults; findTasks and getTaskCount see nothing", () -> {
            String rid = need("request_id");
            String other = sc("otherService");
            String otherPassword = sc("otherPassword");
            GetStatusRequest r = new GetStatusRequest();
            r.setService(other);
            r.setPassword(PASSWORD);
            r.getRequestId().add(rid);
            try {
                GetStatusResponse res = port.getStatus(r);
                throw new AssertionError("other service with this service's password: expected a SOAP fault, got " + res);
            } catch (javax.xml.ws.soap.SOAPFaultException e) {
                checkFaultMessage(e, "getStatus (other service, this service's password)");
            }
            r.setPassword(otherPassword);
            try {
                GetStatusResponse res = port.getStatus(r);
                throw new AssertionError("other service getStatus: expected a SOAP fault, got " + res);
            } catch (javax.xml.ws.soap.SOAPFaultException e) {
                // refused: the request belongs to another service
            }
            FindTasksRequest f = new FindTasksRequest();
            f.setService(other);
            f.setPassword(otherPassword);
            f.setFilter(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS)));
            eq(port.findTasks(f).getTask().size(), 0, "other service findTasks");
            GetTaskCountRequest c = new GetTaskCountRequest();
            c.setService(other);
            c.setPassword(otherPassword);
            c.setFilter(filter(criteria(TaskFilterField.REQUEST_ID, rid, LogicalOperator.EQUALS)));
            eq(port.getTaskCount(c).getCount(), BigInteger.ZERO, "other service getTaskCount");
        });

        // ---- signing through the control API, packaging (PackagingService v4), the archive (ArchiveService v3) ----

        step("control API: task_2 before task_1 -> 409 TASK_DEPENDENCIES_PENDING; task_1 then task_2 sign -> completed, result URIs", () -> {
            String rid = need("request_id");
            Object[] first = controlSign(rid, T2);
            eq(Arrays.asList(first[0], ((Map<?, ?>) first[1]).get("code")),
                    Arrays.<Object>asList(Integer.parseInt(sc("dependencyPendingStatus")), sc("dependencyPendingCode")), "task_2 signed first");
            Map<String, List<String>> signed = new java.util.LinkedHashMap<>();
            signed.put(T1, Arrays.asList(DOC_SDS, DOC_TEXT));
            signed.put(T2, Arrays.asList(DOC_SDS));
            for (Map.Entry<String, List<String>> e : signed.entrySet()) {
                String tid = e.getKey();
                Object[] res = controlSign(rid, tid);
                Map<?, ?> answer = (Map<?, ?>) res[1];
                eq(res[0], 200, "sign " + tid + ": HTTP status (" + answer + ")");
                eq(Arrays.asList(answer.get("requestId"), answer.get("taskId"), answer.get("status")),
                        Arrays.<Object>asList(rid, tid, sc("signedStatus")), "sign " + tid);
                List<String> got = new ArrayList<>();
                for (Object d : (List<?>) answer.get("documents")) {
                    Map<?, ?> m = (Map<?, ?>) d;
                    got.add(m.get("documentId") + " " + m.get("action") + " " + m.get("resultUri"));
                }
                List<String> want = new ArrayList<>();
                for (String did : e.getValue()) want.add(did + " sign " + resultUri(rid, tid, did));
                eq(got, want, "sign " + tid + ": documents");
            }
            state.put("signed", signed);
        });

        step("getStatus after signing: task_1 and task_2 completed with a result-uri per signed document, task_3 still deleted", () -> {
            String rid = need("request_id");
            Map<String, List<String>> signed = need("signed");
            Map<String, TaskStatusInfo> by = byTask(status(rid));
            TaskStatus done = TaskStatus.fromValue(sc("signedStatus"));
            eq(Arrays.asList(by.get(T1).getTaskStatus(), by.get(T2).getTaskStatus(), by.get(T3).getTaskStatus()),
                    Arrays.asList(done, done, TaskStatus.DELETED), "statuses");
            List<String> sdoUris = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : signed.entrySet()) {
                String tid = e.getKey();
                List<String> got = new ArrayList<>();
                List<String> want = new ArrayList<>();
                for (DocumentStatus d : by.get(tid).getDocumentStatus()) {
                    got.add(d.getId() + " " + d.getOriginalUri() + " " + d.getResultUri());
                    if (DOC_SDS.equals(d.getId())) sdoUris.add(d.getResultUri());
                }
                for (String did : e.getValue()) want.add(did + " " + originalUri(rid, tid, did) + " " + resultUri(rid, tid, did));
                eq(got, want, tid + " document-status");
            }
            eq(by.get(T3).getDocumentStatus().get(0).getResultUri(), null, "task_3 result-uri");
            // The result is the LTV-SDO, served with the service's credentials.
            HttpResponse<byte[]> sdo = httpGet(resultUri(rid, T1, DOC_SDS));
            eq(Arrays.asList(sdo.statusCode(), sdo.headers().firstValue("Content-Type").orElse(null)),
                    Arrays.<Object>asList(200, "application/x-ltv-sdo"), "GET task_1 result-uri");
            state.put("sdo_uris", sdoUris);
        });

        step("wsdl: PackagingService v4 and ArchiveService v3 built from the served WSDLs (own packages), ports ready", () -> {
            PackagingService ps = new PackagingService(new URL(base + "/ws/packagingservice-v4?wsdl"));
            PackagingEndPoint pp = ps.getPackagingEndPointImplPort();
            eq(((javax.xml.ws.BindingProvider) pp).getRequestContext().get(javax.xml.ws.BindingProvider.ENDPOINT_ADDRESS_PROPERTY),
                    base + "/ws/packagingservice-v4", "packaging endpoint address");
            ArchiveService as = new ArchiveService(new URL(base + "/ws/archiveservice-v3?wsdl"));
            ArchiveEndPoint ap = as.getArchiveEndPointImplPort();
            eq(((javax.xml.ws.BindingProvider) ap).getRequestContext().get(javax.xml.ws.BindingProvider.ENDPOINT_ADDRESS_PROPERTY),
                    base + "/ws/archiveservice-v3", "archive endpoint address");
            state.put("packaging", pp);
            state.put("archive", ap);
        });

        step("create-package: uri-document-id = the two result-uris of the sds PDF -> one package, an SDS id", () -> {
            List<String> uris = need("sdo_uris");
            eq(uris.size(), 2, "result-uris of the sds PDF");
            CreatePackageResponse res = createPackage(uris, sc("packagingMethod"), false);
            com.signicat.packaging.v4.Error err = res.getError();
            eq(err == null ? null : err.getCode() + ": " + err.getMessage(), null, "error");
            String id = res.getId();
            check(id != null && ID_RE.matcher(id).matches(), "id " + id + " is not a 58-char id");
            state.put("package_id", id);
        });

        step("SDS: GET the package -> Content-Type application/x-pades, a PDF", () -> {
            String id = need("package_id");
            HttpResponse<byte[]> res = httpGet(base + "/doc/" + SERVICE + "/sds/" + id);
            eq(res.statusCode(), 200, "HTTP status");
            eq(res.headers().firstValue("Content-Type").orElse(null), sc("packageContentType"), "Content-Type");
            check(startsWith(res.body(), sc("packageMagic")), "body starts with " + head(res.body()));
            check(res.body().length > PDF.length, "package of " + res.body().length + " bytes is not bigger than the original");
        });

        step("create-package with an unsupported packaging-method -> in-band error PACKAGING_METHOD_UNSUPPORTED, no id", () -> {
            List<String> uris = need("sdo_uris");
            CreatePackageResponse res = createPackage(uris, sc("badPackagingMethod"), false);
            eq(res.getId(), null, "id");
            com.signicat.packaging.v4.Error err = res.getError();
            check(err != null, "no error");
            eq(err.getCode(), sc("badPackagingMethodCode"), "error code");
            check(err.getMessage() != null && !err.getMessage().isEmpty(), "error without a message");
        });

        step("create-package send-result-to-archive=true -> archive id; getDocument = GET /doc/demo/archive/{id}", () -> {
            List<String> uris = need("sdo_uris");
            ArchiveEndPoint archive = need("archive");
            CreatePackageResponse res = createPackage(uris, sc("packagingMethod"), true);
            com.signicat.packaging.v4.Error err = res.getError();
            eq(err == null ? null : err.getCode() + ": " + err.getMessage(), null, "error");
            String id = res.getId();
            check(id != null && ID_RE.matcher(id).matches(), "id " + id + " is not a 58-char id");
            GetDocumentRequest r = new GetDocumentRequest();
            r.setVersion(sc("archiveVersion"));
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.setArchiveId(id);
            com.signicat.archive.v3.DocumentData data = archive.getDocument(r).getDocumentData();
            check(data != null, "no document-data");
            eq(Arrays.asList(data.getArchiveId(), data.getMimeType()), Arrays.asList(id, sc("packageContentType")), "document-data");
            check(startsWith(data.getData(), sc("packageMagic")), "data starts with " + head(data.getData()));
            HttpResponse<byte[]> http = httpGet(base + "/doc/" + SERVICE + "/archive/" + id);
            eq(Arrays.asList(http.statusCode(), http.headers().firstValue("Content-Type").orElse(null)),
                    Arrays.<Object>asList(200, sc("packageContentType")), "GET archive");
            check(Arrays.equals(http.body(), data.getData()),
                    "HTTP gave " + http.body().length + " bytes, getDocument " + data.getData().length + ", not the same");
            state.put("archive_id", id);
        });

        step("removeDocument: [package, unknown id] -> only the package id; again -> none; getDocument then faults", () -> {
            String id = need("archive_id");
            ArchiveEndPoint archive = need("archive");
            RemoveDocumentRequest r = new RemoveDocumentRequest();
            r.setVersion(sc("archiveVersion"));
            r.setService(SERVICE);
            r.setPassword(PASSWORD);
            r.getArchiveId().addAll(Arrays.asList(id, sc("unknownArchiveId")));
            eq(archive.removeDocument(r).getArchiveId(), Arrays.asList(id), "removed");
            eq(archive.removeDocument(r).getArchiveId(), new ArrayList<String>(), "removed again");
            GetDocumentRequest g = new GetDocumentRequest();
            g.setVersion(sc("archiveVersion"));
            g.setService(SERVICE);
            g.setPassword(PASSWORD);
            g.setArchiveId(id);
            try {
                GetDocumentResponse res = archive.getDocument(g);
                throw new AssertionError("getDocument of a removed id: expected a SOAP fault, got " + res);
            } catch (javax.xml.ws.soap.SOAPFaultException e) {
                check(e.getFault().getFaultString() != null && !e.getFault().getFaultString().isEmpty(), "fault without a faultstring");
            }
        });

        step("deleteRequest: deleted = 1, then every task deleted; again deleted = 0", () -> {
            String rid = need("request_id");
            eq(delete(rid), 1, "deleted");
            List<TaskStatusInfo> infos = status(rid);
            eq(taskIds(infos), Arrays.asList(T1, T2, T3), "task-ids after delete");
            for (TaskStatusInfo i : infos) eq(i.getTaskStatus(), TaskStatus.DELETED, i.getTaskId() + " status after delete");
            eq(delete(rid), 0, "deleting again");
            String rid2 = need("request_id_2");
            for (TaskStatusInfo i : status(rid2)) eq(i.getTaskStatus(), TaskStatus.CREATED, "request 2 " + i.getTaskId());
        });

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed > 0 ? 1 : 0);
    }

    /**
     * The fault's own message (its faultstring) must be exactly the scenario file's faultString. The JAX-WS RI
     * throws it as com.sun.xml.ws.fault.ServerSOAPFaultException, a SOAPFaultException whose getMessage()
     * always wraps the faultstring in fixed text of its own ("Client received SOAP Fault from server: ...
     * Please see the server log ..."), so getMessage() is checked against that exact wrapping.
     */
    static void checkFaultMessage(javax.xml.ws.soap.SOAPFaultException e, String what) {
        final String msg = FAULT_STRING;
        eq(e.getFault().getFaultString(), msg, what + " faultstring");
        String expected = e.getClass().getName().equals("com.sun.xml.ws.fault.ServerSOAPFaultException")
                ? "Client received SOAP Fault from server: " + msg
                        + " Please see the server log to find more detail regarding exact cause of the failure."
                : msg;
        eq(e.getMessage(), expected, what + " fault message (" + e.getClass().getName() + ")");
        String code = e.getFault().getFaultCodeAsQName().getLocalPart();
        check(code.equals("Client") || code.equals("Server"), what + " faultcode " + code);
    }

    static int count(TaskFilter f) {
        GetTaskCountRequest r = new GetTaskCountRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.setFilter(f);
        BigInteger c = port.getTaskCount(r).getCount();
        check(c != null, "count is null");
        return c.intValueExact();
    }

    static String artifact(String rid, String tid) {
        CreateArtifactRequest r = new CreateArtifactRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.setRequestId(rid);
        r.setTaskId(tid);
        return port.createArtifact(r).getArtifact();
    }

    static List<Event> history(String rid, String tid) {
        GetRequestHistoryRequest r = new GetRequestHistoryRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.setRequestId(rid);
        r.setTaskId(tid);
        return port.getRequestHistory(r).getEvent();
    }

    static int delete(String rid) {
        DeleteRequestRequest r = new DeleteRequestRequest();
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.getRequestId().add(rid);
        return port.deleteRequest(r).getDeleted();
    }

    // ---- the control API, packaging and archive helpers ----------------------------------------------

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(java.time.Duration.ofSeconds(30)).build();

    static String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString((SERVICE + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<byte[]> httpGet(String url) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Authorization", basicAuth())
                .timeout(java.time.Duration.ofSeconds(60)).GET().build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Each task is signed by its own subject: the control API refuses a signer whose national id is not the subject's. */
    static String[] signer(String tid) {
        String p = tid.equals(T1) ? "task1Subject" : "refSubject";
        return new String[] {sc(p + "NationalId"), sc(p + "FirstName"), sc(p + "LastName")};
    }

    /** POST …/tasks/{tid}/sign with java.net.http and a JSON body: {HTTP status, the parsed JSON answer}. */
    static Object[] controlSign(String rid, String tid) throws Exception {
        String[] s = signer(tid);
        String body = "{\"method\":" + Json.quote(sc("signMethod")) + ",\"signer\":{\"nationalId\":" + Json.quote(s[0])
                + ",\"firstName\":" + Json.quote(s[1]) + ",\"lastName\":" + Json.quote(s[2]) + "}}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/emulator/v1/" + SERVICE + "/requests/" + rid + "/tasks/" + tid + "/sign"))
                .header("Authorization", basicAuth()).header("Content-Type", "application/json")
                .timeout(java.time.Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String type = res.headers().firstValue("Content-Type").orElse("");
        check(type.startsWith("application/json"), "sign " + tid + ": Content-Type " + type + ", body " + res.body());
        return new Object[] {res.statusCode(), Json.parse(res.body())};
    }

    static String resultUri(String rid, String tid, String did) {
        return base + "/doc/" + SERVICE + "/order/" + rid + "/" + tid + "/" + did + "/" + sc("resultUriSuffix");
    }

    /**
     * create-package with one `sdo` per URI. wsimport maps the repeated choice (sdo-extended | sdo) to
     * List<Object> getSdoExtendedOrSdo() with @XmlElements: a DocumentId in it is written as <sdo>, an
     * SdoExtended as <sdo-extended> (the two have different types, so no JAXBElement is needed).
     */
    static CreatePackageResponse createPackage(List<String> uris, String method, boolean toArchive) throws Skip {
        PackagingEndPoint packaging = need("packaging");
        CreatePackageRequest r = new CreatePackageRequest();
        r.setVersion(sc("packagingVersion"));
        r.setService(SERVICE);
        r.setPassword(PASSWORD);
        r.setValidationPolicy(sc("validationPolicy"));
        r.setPackagingMethod(method);
        r.setSendResultToArchive(toArchive);
        for (String uri : uris) {
            DocumentId sdo = new DocumentId();
            sdo.setUriDocumentId(uri);
            r.getSdoExtendedOrSdo().add(sdo);
        }
        CreatePackageResponse res = packaging.createPackage(r);
        check(res != null, "create-package returned null");
        return res;
    }

    static boolean startsWith(byte[] data, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        return data != null && data.length >= p.length && Arrays.equals(Arrays.copyOf(data, p.length), p);
    }

    static String head(byte[] data) {
        return data == null ? "null" : "\"" + new String(Arrays.copyOf(data, Math.min(16, data.length)), StandardCharsets.ISO_8859_1) + "\"";
    }

    /** The JDK has no JSON API: a small reader (objects, arrays, strings, numbers, booleans, null) for the control API's answers. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) { this.s = s; }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.ws();
            if (j.i != j.s.length()) throw new IllegalArgumentException("trailing text in JSON at " + j.i);
            return v;
        }

        static String quote(String v) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : v.toCharArray()) {
                if (c == '"' || c == '\\') b.append('\\').append(c);
                else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                else b.append(c);
            }
            return b.append('"').toString();
        }

        private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        private void expect(char c) {
            ws();
            if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' in JSON at " + i);
            i++;
        }

        private Object value() {
            ws();
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end of JSON");
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                i++;
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                do {
                    ws();
                    String k = string();
                    expect(':');
                    m.put(k, value());
                    ws();
                } while (s.charAt(i++) == ',');
                if (s.charAt(i - 1) != '}') throw new IllegalArgumentException("expected '}' in JSON at " + (i - 1));
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                ws();
                if (s.charAt(i) == ']') { i++; return l; }
                do {
                    l.add(value());
                    ws();
                } while (s.charAt(i++) == ',');
                if (s.charAt(i - 1) != ']') throw new IllegalArgumentException("expected ']' in JSON at " + (i - 1));
                return l;
            }
            if (c == '"') return string();
            for (String lit : new String[] {"true", "false", "null"}) {
                if (s.startsWith(lit, i)) {
                    i += lit.length();
                    return lit.equals("null") ? null : Boolean.valueOf(lit);
                }
            }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            if (start == i) throw new IllegalArgumentException("unexpected '" + c + "' in JSON at " + i);
            return Double.valueOf(s.substring(start, i));
        }

        private String string() {
            if (s.charAt(i) != '"') throw new IllegalArgumentException("expected a string in JSON at " + i);
            StringBuilder b = new StringBuilder();
            i++;
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c != '\\') { b.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n': b.append('\n'); break;
                    case 't': b.append('\t'); break;
                    case 'r': b.append('\r'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                    default: b.append(e);
                }
            }
            i++;
            return b.toString();
        }
    }

    static byte[] readAll(InputStream in) throws java.io.IOException {
        if (in == null) return new byte[0];
        try (InputStream i = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            i.transferTo(out);
            return out.toByteArray();
        }
    }
}
