// Drives one whole DocumentService v3 order through a real .NET SOAP client (Mono's System.Web.Services,
// i.e. the classic "Add Web Reference" / wsdl.exe proxy that legacy .NET clients of Signicat were built on).
//
// Build (the proxies are generated from the WSDLs the server serves; the PackagingService and ArchiveService
// proxies get namespaces of their own, since their class names would clash with the DocumentService one's):
//   wsdl 'BASE_URL/ws/documentservice-v3?wsdl' -out:Proxy.cs
//   wsdl 'BASE_URL/ws/packagingservice-v4?wsdl' -namespace:Paraph.Packaging -out:PackagingProxy.cs
//   wsdl 'BASE_URL/ws/archiveservice-v3?wsdl' -namespace:Paraph.Archive -out:ArchiveProxy.cs
//   mcs -out:OrderLife.exe -r:System.Web.Services -r:System.Xml -r:System.Web.Extensions Proxy.cs PackagingProxy.cs ArchiveProxy.cs OrderLife.cs
//   mono OrderLife.exe BASE_URL SCENARIO_FILE
//
// Before the order is deleted its tasks are signed through the emulator control API (HttpWebRequest, as a
// CI harness would), and the two signatures of its PDF are packaged through PackagingService v4 and read
// back and removed through ArchiveService v3.
//
// SCENARIO_FILE is fixtures/interop/scenario.properties, the order every interop client drives (Java, .NET,
// PHP, Python): flat key=value lines, UTF-8, # comments. Every value it defines is read from there.
//
// Every step prints exactly one line, `PASS <step>` or `FAIL <step>: <reason>`; the exit code is 1 when
// any step failed. Each step asserts the values that come back. Expected values are those of the wire
// contract (CONTRACT.md sections 0, 1 and 4).

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Web.Services.Protocols;

public class AssertFailed : Exception
{
    public AssertFailed(string message) : base(message) { }
}

public static class OrderLife
{
    // The shared scenario (fixtures/interop/scenario.properties), loaded first thing in Main.
    static readonly Dictionary<string, string> Scenario = new Dictionary<string, string>();
    static string Service, Password;
    static readonly Regex IdRe = new Regex("^[0-9]{8}[0-9a-z]{50}$");

    static readonly byte[] Pdf = Encoding.GetEncoding("iso-8859-1").GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
    static byte[] TextBytes;
    static string ClientRef, ClientStatus, SdsDoc, TextDoc, Task1, Task2, Task3;

    /** Reads flat key=value lines (UTF-8); blank lines and lines starting with '#' are skipped. */
    static void LoadScenario(string path)
    {
        foreach (string line in File.ReadAllLines(path, Encoding.UTF8))
        {
            if (line.Trim().Length == 0 || line.StartsWith("#")) continue;
            int eq = line.IndexOf('=');
            if (eq < 0) continue;
            Scenario[line.Substring(0, eq)] = line.Substring(eq + 1);
        }
    }

    /** A value the scenario file must define. */
    static string S(string key)
    {
        string v;
        if (!Scenario.TryGetValue(key, out v)) throw new Exception("scenario file has no " + key);
        return v;
    }

    static string Base;
    static DocumentService Svc;
    static readonly List<KeyValuePair<bool, string>> Results = new List<KeyValuePair<bool, string>>();

    // State carried between steps.
    static string SdsId, RequestId, Artifact, RequestId2;

    static void Step(string name, Action body)
    {
        try
        {
            body();
            Console.WriteLine("PASS " + name);
            Results.Add(new KeyValuePair<bool, string>(true, name));
        }
        catch (AssertFailed e)
        {
            Console.WriteLine("FAIL " + name + ": " + e.Message);
            Results.Add(new KeyValuePair<bool, string>(false, name));
        }
        catch (SoapException e)
        {
            Console.WriteLine("FAIL " + name + ": unexpected SOAP fault " + e.Code + ": " + e.Message);
            Results.Add(new KeyValuePair<bool, string>(false, name));
        }
        catch (Exception e)
        {
            string inner = e.InnerException != null ? " <- " + e.InnerException.GetType().Name + ": " + e.InnerException.Message : "";
            Console.WriteLine("FAIL " + name + ": " + e.GetType().Name + ": " + e.Message.Replace("\n", " ") + inner.Replace("\n", " "));
            Console.Error.WriteLine(e.ToString());
            Results.Add(new KeyValuePair<bool, string>(false, name));
        }
        Console.Out.Flush();
    }

    static void Need(params object[] values)
    {
        foreach (object v in values)
            if (v == null) throw new AssertFailed("skipped, needs a value from an earlier step");
    }

    static string Show(object o)
    {
        if (o == null) return "null";
        if (o is string) return "\"" + o + "\"";
        if (o is byte[]) return "bytes[" + ((byte[])o).Length + "]";
        if (o is System.Collections.IEnumerable)
        {
            var parts = new List<string>();
            foreach (object x in (System.Collections.IEnumerable)o) parts.Add(Show(x));
            return "[" + string.Join(", ", parts) + "]";
        }
        return o.ToString();
    }

    static void Eq<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
            throw new AssertFailed(what + ": expected " + Show(expected) + ", got " + Show(actual));
    }

    static void SeqEq<T>(IEnumerable<T> actual, IEnumerable<T> expected, string what)
    {
        var a = actual == null ? new List<T>() : actual.ToList();
        var e = expected.ToList();
        if (!a.SequenceEqual(e))
            throw new AssertFailed(what + ": expected " + Show(e) + ", got " + Show(a));
    }

    static void True(bool cond, string what)
    {
        if (!cond) throw new AssertFailed(what);
    }

    static void Recent(DateTime dt, string what)
    {
        double delta = Math.Abs((DateTime.UtcNow - dt.ToUniversalTime()).TotalSeconds);
        True(delta < 600, what + ": " + dt.ToString("o") + " is " + (int)delta + "s away from now");
    }

    static T[] Arr<T>(T[] a)
    {
        return a ?? new T[0];
    }

    static string OriginalUri(string rid, string tid, string did)
    {
        return Base + "/doc/" + Service + "/order/" + rid + "/" + tid + "/" + did + "/original";
    }

    static taskfiltercriteria Criteria(taskfilterfield field, string value, logicaloperator op = logicaloperator.equals)
    {
        // value is xs:anyType → an `object` property: a string is sent as xsi:type="xsd:string".
        return new taskfiltercriteria { field = field, value = value, @operator = op };
    }

    static taskinfo[] Find(taskfilter filter, int? from = null, int? to = null, taskfilterfield? sort = null, bool? asc = null)
    {
        var req = new findtasksrequest { service = Service, password = Password, filter = filter };
        if (from.HasValue) req.fromindex = from.Value.ToString();
        if (to.HasValue) req.toindex = to.Value.ToString();
        if (sort.HasValue) { req.sortfield = sort.Value; req.sortfieldSpecified = true; }
        if (asc.HasValue) { req.ascending = asc.Value; req.ascendingSpecified = true; }
        return Arr(Svc.findTasks(req));
    }

    static taskstatusinfo[] Status(string rid)
    {
        return Arr(Svc.getStatus(new getstatusrequest { service = Service, password = Password, requestid = new[] { rid } }));
    }

    static Dictionary<string, taskstatusinfo> ByTask(taskstatusinfo[] infos)
    {
        var by = new Dictionary<string, taskstatusinfo>();
        foreach (var i in infos) by[i.taskid] = i;
        Eq(by.Count, infos.Length, "task-ids in getStatus are unique");
        return by;
    }

    /** task1NotificationStateIs as the proxy's taskstatus enum (its names are the wire values). */
    static taskstatus Task1NotificationState()
    {
        return (taskstatus)Enum.Parse(typeof(taskstatus), S("task1NotificationStateIs"));
    }

    static request BuildRequest(string sdsId)
    {
        return new request
        {
            profile = S("profile"),
            language = S("language"),
            subject = new[]
            {
                new subject
                {
                    id = S("refSubjectId"), nationalid = S("refSubjectNationalId"),
                    firstname = S("refSubjectFirstName"), lastname = S("refSubjectLastName"),
                    mobile = "+4790000002", email = "ola@example.com",
                },
            },
            document = new document[]
            {
                new sdsdocument
                {
                    id = SdsDoc, refsdsid = sdsId, description = S("sdsDocumentDescription"), externalreference = "ext-1",
                    sendtoarchive = false, sendtoarchiveSpecified = true,
                },
                new provideddocument
                {
                    id = TextDoc, mimetype = S("textDocumentMimeType"), data = TextBytes, description = S("textDocumentDescription"),
                },
            },
            task = new[]
            {
                new task
                {
                    id = Task1,
                    bundle = false, bundleSpecified = true,
                    subject = new subject
                    {
                        nationalid = S("task1SubjectNationalId"), firstname = S("task1SubjectFirstName"),
                        lastname = S("task1SubjectLastName"), mobile = "+4790000001", email = S("task1SubjectEmail"),
                    },
                    daystolive = 14, daystoliveSpecified = true,
                    dialog = new dialog { title = "Signer avtalen", message = "Vennligst signer \u00e6\u00f8\u00e5" },
                    documentaction = new[]
                    {
                        // task_1 signs both documents: the sds PDF, then the text document.
                        new documentaction { type = documentactiontype.sign, documentref = SdsDoc, orderindex = 1, orderindexSpecified = true },
                        new documentaction { type = documentactiontype.sign, documentref = TextDoc, orderindex = 2, orderindexSpecified = true },
                    },
                    notification = new[]
                    {
                        new notification
                        {
                            type = notificationtype.URL, notificationid = S("task1NotificationId"),
                            recipient = S("task1NotificationRecipient"), message = S("task1NotificationMessage"),
                            schedule = new[] { new schedule { stateis = Task1NotificationState() } },
                        },
                    },
                    authentication = new authentication { artifact = true, artifactSpecified = true, method = new[] { "nbid" } },
                    ontaskcomplete = "https://client.example/done?r=${requestId}&t=${taskId}",
                    ontaskcancel = "https://client.example/cancel",
                    language = "en",
                    signature = new[]
                    {
                        new signature { method = new[] { new method { Value = "nbid-sign" } }, responsive = true, responsiveSpecified = true },
                    },
                },
                new task
                {
                    id = Task2,
                    subjectref = S("refSubjectId"),
                    documentaction = new[]
                    {
                        new documentaction { type = documentactiontype.sign, documentref = SdsDoc },
                    },
                    dependsontask = new[] { Task1 },
                    signature = new[] { new signature { method = new[] { new method { Value = "nbid-sign" } } } },
                },
            },
            clientreference = ClientRef,
        };
    }

    // ---- the control API, packaging and archive helpers ----------------------------------------------

    static string ResultUri(string rid, string tid, string did)
    {
        return Base + "/doc/" + Service + "/order/" + rid + "/" + tid + "/" + did + "/" + S("resultUriSuffix");
    }

    static string Field(Dictionary<string, object> json, string key)
    {
        object v;
        return json != null && json.TryGetValue(key, out v) && v != null ? v.ToString() : null;
    }

    /** Each task is signed by its own subject: the control API refuses a signer whose national id is not the subject's. */
    static Dictionary<string, object> Signer(string tid)
    {
        string p = tid == Task1 ? "task1Subject" : "refSubject";
        return new Dictionary<string, object> { { "nationalId", S(p + "NationalId") }, { "firstName", S(p + "FirstName") }, { "lastName", S(p + "LastName") } };
    }

    /**
     * POST …/tasks/{tid}/sign with HttpWebRequest and a JSON body (JavaScriptSerializer, System.Web.Extensions).
     * Credentials through NetworkCredential: the first POST is answered 401 and resent with Basic. An error
     * status is a WebException whose Response still carries the JSON answer.
     */
    static KeyValuePair<HttpStatusCode, Dictionary<string, object>> ControlSign(string rid, string tid)
    {
        var json = new System.Web.Script.Serialization.JavaScriptSerializer();
        byte[] body = new UTF8Encoding(false).GetBytes(json.Serialize(new Dictionary<string, object> { { "method", S("signMethod") }, { "signer", Signer(tid) } }));
        var req = (HttpWebRequest)WebRequest.Create(Base + "/emulator/v1/" + Service + "/requests/" + rid + "/tasks/" + tid + "/sign");
        req.Method = "POST";
        req.ContentType = "application/json";
        req.Credentials = new NetworkCredential(Service, Password);
        req.Timeout = 60000;
        using (var s = req.GetRequestStream()) s.Write(body, 0, body.Length);
        HttpWebResponse res;
        try { res = (HttpWebResponse)req.GetResponse(); }
        catch (WebException e)
        {
            res = e.Response as HttpWebResponse;
            if (res == null) throw;
        }
        using (res)
        using (var r = new StreamReader(res.GetResponseStream(), Encoding.UTF8))
        {
            string text = r.ReadToEnd();
            True((res.ContentType ?? "").StartsWith("application/json"), "sign " + tid + ": Content-Type " + Show(res.ContentType) + ", body " + text);
            var parsed = json.DeserializeObject(text) as Dictionary<string, object>;
            True(parsed != null, "sign " + tid + ": not a JSON object: " + text);
            return new KeyValuePair<HttpStatusCode, Dictionary<string, object>>(res.StatusCode, parsed);
        }
    }

    /**
     * create-package with one `sdo` per URI. The wsdl proxy maps the repeated choice (sdo | sdo-extended) to
     * `object[] Items` with one [XmlElement] per alternative: a documentid in it is written as <sdo>, an
     * sdoextended as <sdo-extended>; anything else fails at serialization.
     */
    static Paraph.Packaging.createpackageresponse CreatePackage(Paraph.Packaging.PackagingService p, List<string> uris, string method, bool toArchive)
    {
        var res = p.createpackage(new Paraph.Packaging.createpackagerequest
        {
            version = S("packagingVersion"), service = Service, password = Password,
            validationpolicy = S("validationPolicy"), packagingmethod = method, sendresulttoarchive = toArchive,
            Items = uris.Select(u => (object)new Paraph.Packaging.documentid { uridocumentid = u }).ToArray(),
        });
        True(res != null, "create-package returned nothing");
        return res;
    }

    static bool StartsWith(byte[] data, string prefix)
    {
        byte[] p = Encoding.ASCII.GetBytes(prefix);
        return data != null && data.Length >= p.Length && data.Take(p.Length).SequenceEqual(p);
    }

    static string Head(byte[] data)
    {
        return data == null ? "null" : Show(Encoding.GetEncoding("iso-8859-1").GetString(data, 0, Math.Min(16, data.Length)));
    }

    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: mono OrderLife.exe BASE_URL SCENARIO_FILE");
            return 2;
        }
        Base = args[0].TrimEnd('/');
        LoadScenario(args[1]);
        Service = S("service");
        Password = S("password");
        TextBytes = new UTF8Encoding(false).GetBytes(S("textDocumentContent"));
        ClientRef = S("clientReference");
        ClientStatus = S("clientStatus");
        SdsDoc = S("sdsDocumentId");
        TextDoc = S("textDocumentId");
        Task1 = S("task1Id");
        Task2 = S("task2Id");
        Task3 = S("task3Id");

        Step("proxy: the wsdl.exe proxy points at the served soap:address", () =>
        {
            Svc = new DocumentService();
            Eq(Svc.Url, Base + "/ws/documentservice-v3", "proxy Url (from soap:address)");
            Svc.Url = Base + "/ws/documentservice-v3";
            Svc.Timeout = 30000;
        });

        Step("sds upload: WebClient with NetworkCredential (challenge-driven) -> 58-char id", () =>
        {
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                wc.Headers.Add(HttpRequestHeader.ContentType, S("sdsContentType"));
                byte[] res = wc.UploadData(Base + "/doc/" + Service + "/sds", "POST", Pdf);
                string id = Encoding.ASCII.GetString(res);
                Eq(id.Length, 58, "id length of \"" + id + "\"");
                True(IdRe.IsMatch(id), "id " + id + " is not ddMMyyyy + [0-9a-z]");
                string location = wc.ResponseHeaders["Location"];
                True(location != null && location.TrimEnd('/').EndsWith("/" + id), "Location " + Show(location) + " does not end with the id");
                SdsId = id;
            }
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                byte[] got = wc.DownloadData(Base + "/doc/" + Service + "/sds/" + SdsId);
                True(got.SequenceEqual(Pdf), "downloaded bytes differ from the upload (" + got.Length + " bytes)");
                Eq(wc.ResponseHeaders["Content-Type"], S("sdsContentType"), "download Content-Type");
            }
        });

        Step("createRequest: one 58-char request-id and an artifact", () =>
        {
            Need(Svc, SdsId);
            var res = Svc.createRequest(new createrequestrequest
            {
                service = Service, password = Password, request = new[] { BuildRequest(SdsId) },
            });
            True(res != null, "no response");
            Eq(Arr(res.requestid).Length, 1, "number of request-ids");
            True(IdRe.IsMatch(res.requestid[0]), "request-id " + res.requestid[0] + " is not a 58-char id");
            True(!string.IsNullOrWhiteSpace(res.artifact), "artifact: expected a non-empty string, got " + Show(res.artifact));
            RequestId = res.requestid[0];
            Artifact = res.artifact;
        });

        Step("getRequest: sdsdocument and provideddocument subclasses, subjects, tasks, notification as sent", () =>
        {
            Need(RequestId);
            var resp = Svc.getRequest(new getrequestrequest { service = Service, password = Password, requestid = RequestId });
            True(resp != null && resp.request != null, "no request in the response");
            var r = resp.request;
            Eq(r.profile, S("profile"), "profile");
            Eq(r.language, S("language"), "language");
            Eq(r.clientreference, ClientRef, "client-reference");
            var subjects = Arr(r.subject);
            Eq(subjects.Length, 1, "request-level subjects");
            var s = subjects[0];
            SeqEq(new[] { s.id, s.nationalid, s.firstname, s.lastname, s.mobile, s.email, s.username },
                new[] { S("refSubjectId"), S("refSubjectNationalId"), S("refSubjectFirstName"), S("refSubjectLastName"), "+4790000002", "ola@example.com", null }, "request subject");

            var docs = Arr(r.document);
            Eq(docs.Length, 2, "documents");
            True(docs[0] is sdsdocument, "document[1] is " + docs[0].GetType().Name + ", not sdsdocument");
            True(docs[1] is provideddocument, "document[2] is " + docs[1].GetType().Name + ", not provideddocument");
            var d1 = (sdsdocument)docs[0];
            SeqEq(new[] { d1.id, d1.refsdsid, d1.description, d1.externalreference },
                new[] { SdsDoc, SdsId, S("sdsDocumentDescription"), "ext-1" }, "sds-document fields");
            True(!d1.sendtoarchive, "sds-document send-to-archive should be false");
            var d2 = (provideddocument)docs[1];
            SeqEq(new[] { d2.id, d2.mimetype, d2.description }, new[] { TextDoc, S("textDocumentMimeType"), S("textDocumentDescription") }, "provided-document fields");
            True(d2.data != null && d2.data.SequenceEqual(TextBytes), "provided-document data differs: " + Show(d2.data));

            var tasks = Arr(r.task);
            SeqEq(tasks.Select(t => t.id), new[] { Task1, Task2 }, "task ids");
            var t1 = tasks[0];
            True(t1.bundleSpecified && !t1.bundle, "task_1 @bundle: expected false (specified), got " + t1.bundle + "/" + t1.bundleSpecified);
            Eq(t1.subjectref, null, "task_1 subject-ref");
            True(t1.subject != null, "task_1 inline subject missing");
            SeqEq(new[] { t1.subject.nationalid, t1.subject.firstname, t1.subject.lastname, t1.subject.mobile, t1.subject.email },
                new[] { S("task1SubjectNationalId"), S("task1SubjectFirstName"), S("task1SubjectLastName"), "+4790000001", S("task1SubjectEmail") }, "task_1 inline subject");
            True(t1.daystoliveSpecified, "task_1 days-to-live missing");
            Eq(t1.daystolive, 14, "task_1 days-to-live");
            True(t1.dialog != null, "task_1 dialog missing");
            SeqEq(new[] { t1.dialog.title, t1.dialog.message }, new[] { "Signer avtalen", "Vennligst signer \u00e6\u00f8\u00e5" }, "task_1 dialog");
            var a = Arr(t1.documentaction);
            Eq(a.Length, 2, "task_1 document-actions");
            Eq(a[0].type + "/" + a[0].documentref + "/" + a[0].orderindex + "/" + a[0].orderindexSpecified, "sign/" + SdsDoc + "/1/True", "task_1 action 1");
            Eq(a[0].document, null, "task_1 action 1 inline document");
            Eq(a[1].type + "/" + a[1].documentref + "/" + a[1].orderindex + "/" + a[1].orderindexSpecified + "/" + a[1].optionalSpecified,
                "sign/" + TextDoc + "/2/True/False", "task_1 action 2 (signs the text document; optional absent)");
            Eq(a[1].document, null, "task_1 action 2 inline document");
            var n = Arr(t1.notification);
            Eq(n.Length, 1, "task_1 notifications");
            SeqEq(new[] { n[0].type.ToString(), n[0].notificationid, n[0].recipient, n[0].message },
                new[] { "URL", S("task1NotificationId"), S("task1NotificationRecipient"), S("task1NotificationMessage") }, "task_1 notification");
            SeqEq(Arr(n[0].schedule).Select(x => x.stateis), new[] { Task1NotificationState() }, "task_1 notification schedule state-is");
            True(t1.authentication != null, "task_1 authentication missing");
            True(t1.authentication.artifactSpecified && t1.authentication.artifact, "task_1 authentication/@artifact should be true");
            SeqEq(Arr(t1.authentication.method), new[] { "nbid" }, "task_1 authentication/method");
            Eq(t1.ontaskcomplete, "https://client.example/done?r=${requestId}&t=${taskId}", "task_1 on-task-complete");
            Eq(t1.ontaskcancel, "https://client.example/cancel", "task_1 on-task-cancel");
            Eq(t1.language, "en", "task_1 language");
            Eq(Arr(t1.dependsontask).Length, 0, "task_1 depends-on-task");
            var sig = Arr(t1.signature);
            Eq(sig.Length, 1, "task_1 signatures");
            True(sig[0].responsiveSpecified && sig[0].responsive, "task_1 signature/@responsive should be true");
            SeqEq(Arr(sig[0].method).Select(m => m.Value), new[] { "nbid-sign" }, "task_1 signature/method");

            var t2 = tasks[1];
            Eq(t2.subjectref, S("refSubjectId"), "task_2 subject-ref");
            Eq(t2.subject, null, "task_2 subject (it uses subject-ref)");
            True(!t2.daystoliveSpecified, "task_2 days-to-live should be absent");
            SeqEq(Arr(t2.documentaction).Select(x => x.type + "/" + x.documentref), new[] { "sign/" + SdsDoc }, "task_2 document-actions");
            SeqEq(Arr(t2.dependsontask), new[] { Task1 }, "task_2 depends-on-task");
            Eq(Arr(t2.notification).Length, 0, "task_2 notifications");
        });

        Step("getStatus: created, client-reference, document-status/original-uri", () =>
        {
            Need(RequestId);
            var infos = Status(RequestId);
            SeqEq(infos.Select(i => i.taskid), new[] { Task1, Task2 }, "task-ids");
            foreach (var i in infos)
            {
                Eq(i.requestid, RequestId, i.taskid + " request-id");
                Eq(i.taskstatus, taskstatus.created, i.taskid + " task-status");
                Eq(i.clientreference, ClientRef, i.taskid + " client-reference");
                Eq(i.clientstatus, null, i.taskid + " client-status");
            }
            var by = ByTask(infos);
            SeqEq(Arr(by[Task1].documentstatus).Select(d => d.id + " " + d.originaluri),
                new[] { SdsDoc + " " + OriginalUri(RequestId, Task1, SdsDoc), TextDoc + " " + OriginalUri(RequestId, Task1, TextDoc) },
                "task_1 document-status");
            SeqEq(Arr(by[Task2].documentstatus).Select(d => d.id + " " + d.originaluri),
                new[] { SdsDoc + " " + OriginalUri(RequestId, Task2, SdsDoc) }, "task_2 document-status");
            foreach (var d in Arr(by[Task1].documentstatus)) Eq(d.resulturi, null, "task_1 " + d.id + " result-uri");
            // original-uri downloads with challenge-driven credentials.
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                byte[] got = wc.DownloadData(by[Task1].documentstatus[0].originaluri);
                True(got.SequenceEqual(Pdf), "task_1/doc_1 original bytes differ (" + got.Length + " bytes)");
                got = wc.DownloadData(by[Task1].documentstatus[1].originaluri);
                True(got.SequenceEqual(TextBytes), "task_1/doc_2 original bytes differ (" + got.Length + " bytes)");
            }
        });

        Step("findTasks: criteria value sent as xsd:string -> task-infos with their attributes", () =>
        {
            Need(RequestId);
            var items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task1) } });
            Eq(items.Length, 1, "number of task-infos for task_1");
            var t = items[0];
            True(!string.IsNullOrEmpty(t.id), "task-info id is empty");
            SeqEq(new[] { t.requestid, t.taskid, t.clientreference, t.subjectfirstname, t.subjectnationalid },
                new[] { RequestId, Task1, ClientRef, S("task1SubjectFirstName"), S("task1SubjectNationalId") }, "task_1 task-info");
            True(t.taskstatusSpecified, "task-status missing");
            Eq(t.taskstatus, taskstatus.created, "task-status");
            True(t.createdSpecified && t.lastupdatedSpecified, "created/last-updated missing");
            Recent(t.created, "created");
            Recent(t.lastupdated, "last-updated");
            True(t.lastupdated >= t.created, "last-updated before created");

            items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task2) } });
            SeqEq(items.Select(x => x.taskid + " " + x.subjectfirstname + " " + x.subjectnationalid),
                new[] { Task2 + " " + S("refSubjectFirstName") + " " + S("refSubjectNationalId") }, "task_2 task-info (subject via subject-ref)");
            items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task1, logicaloperator.notequals) } });
            SeqEq(items.Select(x => x.taskid), new[] { Task2 }, "not-equals task_1");
            items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, "no-such-task") } });
            Eq(items.Length, 0, "unknown task-id");
        });

        Step("findTasks paging: from-index/to-index, sort-field task-id, ascending true/false", () =>
        {
            Need(SdsId);
            var ids = new[] { "p03", "p01", "p05", "p02", "p04" };
            var res = Svc.createRequest(new createrequestrequest
            {
                service = Service, password = Password,
                request = new[]
                {
                    new request
                    {
                        document = new document[] { new sdsdocument { id = "d", refsdsid = SdsId, description = "Paging" } },
                        task = ids.Select(id => new task
                        {
                            id = id, documentaction = new[] { new documentaction { type = documentactiontype.sign, documentref = "d" } },
                        }).ToArray(),
                        clientreference = "paging",
                    },
                },
            });
            Eq(Arr(res.requestid).Length, 1, "request-ids");
            Eq(res.artifact, null, "artifact (no task asked for one)");
            RequestId2 = res.requestid[0];
            var f = new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId2) } };
            Func<int, int, bool, string[]> page = (fr, to, asc) => Find(f, fr, to, taskfilterfield.taskid, asc).Select(x => x.taskid).ToArray();
            SeqEq(page(0, 100, true), new[] { "p01", "p02", "p03", "p04", "p05" }, "all ascending");
            SeqEq(page(0, 100, false), new[] { "p05", "p04", "p03", "p02", "p01" }, "all descending");
            SeqEq(page(0, 2, true), new[] { "p01", "p02" }, "page 0..2 ascending");
            SeqEq(page(2, 4, true), new[] { "p03", "p04" }, "page 2..4 ascending");
            SeqEq(page(4, 6, true), new[] { "p05" }, "page 4..6 ascending");
            SeqEq(page(5, 10, true), new string[0], "page past the end");
            SeqEq(page(1, 3, false), new[] { "p04", "p03" }, "page 1..3 descending");
        });

        Step("getTaskCount: 1, 2, 5 and 0", () =>
        {
            Need(RequestId, RequestId2);
            Func<taskfiltercriteria[], string> count = c =>
            {
                var r = Svc.getTaskCount(new gettaskcountrequest { service = Service, password = Password, filter = new taskfilter { criteria = c } });
                True(r != null, "no get-task-count-response");
                return r.count;
            };
            Eq(count(new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task1) }), "1", "count task_1");
            Eq(count(new[] { Criteria(taskfilterfield.requestid, RequestId) }), "2", "count request 1");
            Eq(count(new[] { Criteria(taskfilterfield.requestid, RequestId2) }), "5", "count request 2");
            Eq(count(new[] { Criteria(taskfilterfield.taskid, "no-such-task") }), "0", "count unknown task");
        });

        Step("addTask: task_3 viewing the sds PDF; no artifact; shows in getTask and getStatus", () =>
        {
            Need(RequestId);
            var res = Svc.addTask(new addtaskrequest
            {
                service = Service, password = Password, requestid = RequestId,
                task = new task
                {
                    id = Task3,
                    subject = new subject { firstname = "Carl", lastname = "Viewer", email = "carl@example.com" },
                    documentaction = new[] { new documentaction { type = documentactiontype.view, documentref = SdsDoc } },
                },
            });
            True(res == null || res.artifact == null, "addTask artifact: expected none, got " + Show(res == null ? null : res.artifact));
            var t3 = Svc.getTask(new gettaskrequest { service = Service, password = Password, requestid = RequestId, taskid = Task3 });
            True(t3 != null && t3.task != null, "getTask task_3 returned nothing");
            Eq(t3.task.id, Task3, "task_3 @id");
            SeqEq(Arr(t3.task.documentaction).Select(x => x.type + "/" + x.documentref), new[] { "view/" + SdsDoc }, "task_3 document-actions");
            Eq(t3.task.subject == null ? null : t3.task.subject.lastname, "Viewer", "task_3 subject/last-name");
            var by = ByTask(Status(RequestId));
            SeqEq(by.Keys.OrderBy(k => k), new[] { Task1, Task2, Task3 }, "getStatus task-ids");
            Eq(by[Task3].taskstatus, taskstatus.created, "task_3 status");
            // A duplicate task id is refused with a fault.
            try
            {
                Svc.addTask(new addtaskrequest
                {
                    service = Service, password = Password, requestid = RequestId,
                    task = new task { id = Task3, documentaction = new[] { new documentaction { type = documentactiontype.view, documentref = SdsDoc } } },
                });
                throw new AssertFailed("duplicate task id: expected a SoapException");
            }
            catch (SoapException) { }
        });

        Step("setClientStatus: void; getStatus and findTasks read it back", () =>
        {
            Need(RequestId);
            Svc.setClientStatus(new setclientstatusrequest
            {
                service = Service, password = Password, requestid = RequestId, taskid = Task1, clientstatus = ClientStatus,
            });
            var by = ByTask(Status(RequestId));
            Eq(by[Task1].clientstatus, ClientStatus, "getStatus task_1 client-status");
            Eq(by[Task2].clientstatus, null, "getStatus task_2 client-status");
            var items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task1) } });
            SeqEq(items.Select(x => x.clientstatus), new[] { ClientStatus }, "findTasks client-status");
            items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.clientstatus, ClientStatus) } });
            SeqEq(items.Select(x => x.requestid + "/" + x.taskid), new[] { RequestId + "/task_1" }, "findTasks by client-status");
        });

        Step("createArtifact: a new artifact, different from the createRequest one", () =>
        {
            Need(RequestId, Artifact);
            var a = Svc.createArtifact(new createartifactrequest { service = Service, password = Password, requestid = RequestId, taskid = Task1 });
            True(a != null && !string.IsNullOrWhiteSpace(a.artifact), "artifact: expected a non-empty string");
            True(a.artifact != Artifact, "createArtifact returned the createRequest artifact again");
            var b = Svc.createArtifact(new createartifactrequest { service = Service, password = Password, requestid = RequestId, taskid = Task1 });
            True(b.artifact != a.artifact, "two createArtifact calls returned the same artifact");
        });

        int historyTask3 = -1;
        Step("getRequestHistory: task_1 history starts with request-created, oldest first", () =>
        {
            Need(RequestId);
            var events = Arr(Svc.getRequestHistory(new getrequesthistoryrequest { service = Service, password = Password, requestid = RequestId, taskid = Task1 }));
            True(events.Length > 0, "no events");
            Eq(events[0].event1, eventtype.requestcreated, "first event");
            foreach (var e in events) Recent(e.eventtime, "event-time");
            for (int i = 1; i < events.Length; i++)
                True(events[i - 1].eventtime <= events[i].eventtime, "events not oldest first");
            historyTask3 = Arr(Svc.getRequestHistory(new getrequesthistoryrequest { service = Service, password = Password, requestid = RequestId, taskid = Task3 })).Length;
        });

        Step("disableTask: void; task_3 becomes deleted and its history grows", () =>
        {
            Need(RequestId);
            Svc.disableTask(new disabletaskrequest { service = Service, password = Password, requestid = RequestId, taskid = Task3 });
            var by = ByTask(Status(RequestId));
            SeqEq(by.OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + kv.Value.taskstatus),
                new[] { Task1 + "=created", Task2 + "=created", Task3 + "=deleted" }, "statuses");
            var events = Arr(Svc.getRequestHistory(new getrequesthistoryrequest { service = Service, password = Password, requestid = RequestId, taskid = Task3 }));
            True(events.Length > historyTask3, "history of task_3 has " + events.Length + " events, had " + historyTask3);
            var items = Find(new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId), Criteria(taskfilterfield.taskid, Task3) } });
            SeqEq(items.Select(x => x.taskstatus), new[] { taskstatus.deleted }, "findTasks task_3 task-status");
        });

        Step("wrong password: SoapException with the scenario fault string", () =>
        {
            Need(RequestId);
            try
            {
                Svc.getStatus(new getstatusrequest { service = Service, password = S("wrongPassword"), requestid = new[] { RequestId } });
                throw new AssertFailed("expected a SoapException");
            }
            catch (SoapException e)
            {
                True(e.Message.Contains(S("faultString")), "fault message " + Show(e.Message) + " does not contain " + Show(S("faultString")));
                True(e.Code != null && (e.Code.Name == "Client" || e.Code.Name == "Server"), "faultcode " + e.Code);
            }
        });

        Step("another service: getStatus of demo's request -> SoapException; findTasks and getTaskCount see nothing", () =>
        {
            Need(RequestId);
            string other = S("otherService"), otherPassword = S("otherPassword");
            try
            {
                Svc.getStatus(new getstatusrequest { service = other, password = otherPassword, requestid = new[] { RequestId } });
                throw new AssertFailed("other service getStatus: expected a SoapException");
            }
            catch (SoapException) { }
            var items = Arr(Svc.findTasks(new findtasksrequest
            {
                service = other, password = otherPassword,
                filter = new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId) } },
            }));
            Eq(items.Length, 0, "other service findTasks");
            var c = Svc.getTaskCount(new gettaskcountrequest
            {
                service = other, password = otherPassword,
                filter = new taskfilter { criteria = new[] { Criteria(taskfilterfield.requestid, RequestId) } },
            });
            Eq(c == null ? null : c.count, "0", "other service getTaskCount");
        });

        // ---- signing through the control API, packaging (PackagingService v4), the archive (ArchiveService v3) ----

        Dictionary<string, string[]> signed = null;
        List<string> sdoUris = null;
        Paraph.Packaging.PackagingService packaging = null;
        Paraph.Archive.ArchiveService archive = null;
        string packageId = null, archiveId = null;

        Step("control API: task_2 before task_1 -> 409 TASK_DEPENDENCIES_PENDING; task_1 then task_2 sign -> completed, result URIs", () =>
        {
            Need(RequestId);
            var first = ControlSign(RequestId, Task2);
            Eq((int)first.Key + " " + Field(first.Value, "code"), S("dependencyPendingStatus") + " " + S("dependencyPendingCode"), "task_2 signed first");
            var docs = new Dictionary<string, string[]> { { Task1, new[] { SdsDoc, TextDoc } }, { Task2, new[] { SdsDoc } } };
            foreach (var tid in new[] { Task1, Task2 })
            {
                var res = ControlSign(RequestId, tid);
                Eq((int)res.Key, 200, "sign " + tid + ": HTTP status (" + Show(res.Value) + ")");
                SeqEq(new[] { Field(res.Value, "requestId"), Field(res.Value, "taskId"), Field(res.Value, "status") },
                    new[] { RequestId, tid, S("signedStatus") }, "sign " + tid);
                var got = new List<string>();
                object list;
                if (res.Value.TryGetValue("documents", out list) && list is object[])
                    foreach (object d in (object[])list)
                    {
                        var m = (Dictionary<string, object>)d;
                        got.Add(Field(m, "documentId") + " " + Field(m, "action") + " " + Field(m, "resultUri"));
                    }
                SeqEq(got, docs[tid].Select(d => d + " sign " + ResultUri(RequestId, tid, d)), "sign " + tid + ": documents");
            }
            signed = docs;
        });

        Step("getStatus after signing: task_1 and task_2 completed with a result-uri per signed document, task_3 still deleted", () =>
        {
            Need(RequestId, signed);
            var by = ByTask(Status(RequestId));
            var done = (taskstatus)Enum.Parse(typeof(taskstatus), S("signedStatus"));
            SeqEq(new[] { by[Task1].taskstatus, by[Task2].taskstatus, by[Task3].taskstatus }, new[] { done, done, taskstatus.deleted }, "statuses");
            var uris = new List<string>();
            foreach (var kv in signed)
            {
                SeqEq(Arr(by[kv.Key].documentstatus).Select(d => d.id + " " + d.originaluri + " " + d.resulturi),
                    kv.Value.Select(d => d + " " + OriginalUri(RequestId, kv.Key, d) + " " + ResultUri(RequestId, kv.Key, d)),
                    kv.Key + " document-status");
                uris.AddRange(Arr(by[kv.Key].documentstatus).Where(d => d.id == SdsDoc).Select(d => d.resulturi));
            }
            SeqEq(Arr(by[Task3].documentstatus).Select(d => d.resulturi), new string[] { null }, "task_3 result-uri");
            // The result is the LTV-SDO, served with the service's credentials.
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                wc.DownloadData(ResultUri(RequestId, Task1, SdsDoc));
                Eq(wc.ResponseHeaders["Content-Type"], "application/x-ltv-sdo", "GET task_1 result-uri Content-Type");
            }
            sdoUris = uris;
        });

        Step("proxies: wsdl-generated PackagingService and ArchiveService point at the served soap:address", () =>
        {
            var p = new Paraph.Packaging.PackagingService { Timeout = 60000 };
            Eq(p.Url, Base + "/ws/packagingservice-v4", "packaging proxy Url (from soap:address)");
            var a = new Paraph.Archive.ArchiveService { Timeout = 60000 };
            Eq(a.Url, Base + "/ws/archiveservice-v3", "archive proxy Url (from soap:address)");
            packaging = p;
            archive = a;
        });

        Step("create-package: uri-document-id = the two result-uris of the sds PDF -> one package, an SDS id", () =>
        {
            Need(sdoUris, packaging);
            Eq(sdoUris.Count, 2, "result-uris of the sds PDF");
            var res = CreatePackage(packaging, sdoUris, S("packagingMethod"), false);
            Eq(res.error == null ? null : res.error.code + ": " + res.error.message, null, "error");
            True(res.id != null && IdRe.IsMatch(res.id), "id " + Show(res.id) + " is not a 58-char id");
            packageId = res.id;
        });

        Step("SDS: GET the package -> Content-Type application/x-pades, a PDF", () =>
        {
            Need(packageId);
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                byte[] got = wc.DownloadData(Base + "/doc/" + Service + "/sds/" + packageId);
                Eq(wc.ResponseHeaders["Content-Type"], S("packageContentType"), "Content-Type");
                True(StartsWith(got, S("packageMagic")), "body starts with " + Head(got));
                True(got.Length > Pdf.Length, "package of " + got.Length + " bytes is not bigger than the original");
            }
        });

        Step("create-package with an unsupported packaging-method -> in-band error PACKAGING_METHOD_UNSUPPORTED, no id", () =>
        {
            Need(sdoUris, packaging);
            var res = CreatePackage(packaging, sdoUris, S("badPackagingMethod"), false);
            Eq(res.id, null, "id");
            True(res.error != null, "no error");
            Eq(res.error.code, S("badPackagingMethodCode"), "error code");
            True(!string.IsNullOrEmpty(res.error.message), "error without a message");
        });

        Step("create-package send-result-to-archive=true -> archive id; getDocument = GET /doc/demo/archive/{id}", () =>
        {
            Need(sdoUris, packaging, archive);
            var res = CreatePackage(packaging, sdoUris, S("packagingMethod"), true);
            Eq(res.error == null ? null : res.error.code + ": " + res.error.message, null, "error");
            True(res.id != null && IdRe.IsMatch(res.id), "id " + Show(res.id) + " is not a 58-char id");
            var got = archive.getDocument(new Paraph.Archive.getdocumentrequest
            {
                version = S("archiveVersion"), service = Service, password = Password, archiveid = res.id,
            });
            True(got != null && got.documentdata != null, "no document-data");
            var data = got.documentdata;
            SeqEq(new[] { data.archiveid, data.mimetype }, new[] { res.id, S("packageContentType") }, "document-data");
            True(StartsWith(data.data, S("packageMagic")), "data starts with " + Head(data.data));
            using (var wc = new WebClient())
            {
                wc.Credentials = new NetworkCredential(Service, Password);
                byte[] body = wc.DownloadData(Base + "/doc/" + Service + "/archive/" + res.id);
                Eq(wc.ResponseHeaders["Content-Type"], S("packageContentType"), "GET archive Content-Type");
                True(body.SequenceEqual(data.data), "HTTP gave " + body.Length + " bytes, getDocument " + data.data.Length + ", not the same");
            }
            archiveId = res.id;
        });

        Step("removeDocument: [package, unknown id] -> only the package id; again -> none; getDocument then faults", () =>
        {
            Need(archiveId, archive);
            var req = new Paraph.Archive.removedocumentrequest
            {
                version = S("archiveVersion"), service = Service, password = Password, archiveid = new[] { archiveId, S("unknownArchiveId") },
            };
            // remove-document-response holds nothing but archive-id*: the proxy returns it as string[] ([XmlArray]
            // + [XmlArrayItem("archive-id")] on the return value), an empty array when nothing was removed.
            SeqEq(Arr(archive.removeDocument(req)), new[] { archiveId }, "removed");
            SeqEq(Arr(archive.removeDocument(req)), new string[0], "removed again");
            try
            {
                archive.getDocument(new Paraph.Archive.getdocumentrequest { version = S("archiveVersion"), service = Service, password = Password, archiveid = archiveId });
                throw new AssertFailed("getDocument of a removed id: expected a SoapException");
            }
            catch (SoapException e)
            {
                True(!string.IsNullOrEmpty(e.Message), "fault without a message");
            }
        });

        Step("deleteRequest: deleted = 1, every task deleted, again = 0", () =>
        {
            Need(RequestId);
            var res = Svc.deleteRequest(new deleterequestrequest { service = Service, password = Password, requestid = new[] { RequestId } });
            Eq(res.deleted, 1, "deleted");
            SeqEq(Status(RequestId).Select(i => i.taskid + "=" + i.taskstatus + "/" + i.clientreference),
                new[] { Task1 + "=deleted/" + ClientRef, Task2 + "=deleted/" + ClientRef, Task3 + "=deleted/" + ClientRef }, "statuses after delete");
            res = Svc.deleteRequest(new deleterequestrequest { service = Service, password = Password, requestid = new[] { RequestId } });
            Eq(res.deleted, 0, "deleting again");
        });

        int failed = Results.Count(r => !r.Key);
        Console.WriteLine((Results.Count - failed) + " passed, " + failed + " failed");
        return failed > 0 ? 1 : 0;
    }
}
