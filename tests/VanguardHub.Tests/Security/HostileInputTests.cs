using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Security;

/// <summary>Who sends a hostile request.</summary>
public enum Caller
{
    Anonymous,

    /// <summary>The admin's bearer token: the caller who may do the most, so garbage meets the fewest refusals before validation.</summary>
    Admin,

    /// <summary>The first admin's cookie session with its antiforgery header.</summary>
    AdminSession,

    /// <summary>The Dianchi team's leader (bearer token).</summary>
    Leader,
    Viewer,
    Wall,
}

/// <summary>One hostile request and the refusal it must get.</summary>
/// <param name="Status">The exact 4xx the contract gives this request.</param>
/// <param name="Field">The field the ProblemDetails must name (under "errors" or "field"); null when the API names none.</param>
/// <param name="ActivityId">The id in an activity body, which must not be stored afterwards.</param>
/// <param name="Headers">Extra request headers (they override the client's defaults).</param>
public sealed record HostileCase(
    string Name,
    Caller Caller,
    HttpMethod Method,
    string Url,
    Func<HttpContent>? Content,
    int Status,
    string? Field,
    Guid? ActivityId = null,
    IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A corpus of hostile requests against every way in: each must be refused with a 4xx ProblemDetails (never a 2xx,
/// never a 5xx) naming the field at fault, and the whole corpus must store nothing.
/// </summary>
public sealed class HostileInputTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IDisposable
{
    private const int BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, MethodNotAllowed = 405,
        Conflict = 409, TooLarge = 413, UriTooLong = 414, UnsupportedMedia = 415;

    /// <summary>A little over 1 MB of text: over every body cap the service has.</summary>
    private const int OneMegabyte = 1024 * 1024 + 16;

    private const string Placeholder = "__HOSTILE_VALUE__";
    private const string ActivitiesUrl = "/api/activities";
    private const string TokensUrl = "/api/tokens";
    private const string AccountsUrl = "/api/accounts";
    private const string LoginUrl = "/api/auth/login";
    private const string UnknownPairingCode = "ZZZZ-9999";

    private const string SqlInjection = "' OR '1'='1'; DROP TABLE Storage; --";
    private const string ScriptInjection = "<script>alert(document.cookie)</script>";
    private const string HtmlInjection = "<img src=x onerror=alert(1)>";

    private static readonly string Timeline = $"/api/teams/{RedPomegranate}/activities";

    /// <summary>Writes Chinese as itself, so cases can find and replace text in a valid body.</summary>
    private static readonly JsonSerializerOptions Relaxed = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly IReadOnlyDictionary<string, HostileCase> Corpus = Build();

    private readonly Dictionary<Caller, HttpClient> _clients = [];

    public static TheoryData<string> CaseNames() => [.. Corpus.Keys];

    [Fact]
    public void The_corpus_has_at_least_120_cases_and_touches_every_way_in()
    {
        Corpus.Count.Should().BeGreaterThanOrEqualTo(120);
        Corpus.Values.Select(c => c.Url.Split('?')[0]).Should().Contain([ActivitiesUrl, LoginUrl, TokensUrl, AccountsUrl, Timeline]);
        Corpus.Values.Should().Contain(c => c.Url.EndsWith("/approve", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_hostile_request_gets_a_4xx_problem_naming_the_field_and_stores_nothing(string name) =>
        (await Check(Corpus[name])).Should().BeNull();

    [Fact]
    public async Task The_whole_corpus_stores_nothing_and_a_valid_activity_right_after_is_created()
    {
        var admin = await Client(Caller.Admin);
        var boardBefore = await admin.BoardActivities();
        var storedBefore = await StoredActivities(admin);

        var failures = new List<string>();
        foreach (var hostile in Corpus.Values)
        {
            if (await Check(hostile) is { } failure)
            {
                failures.Add(failure);
            }
        }

        string.Join(Environment.NewLine, failures).Should().BeEmpty(
            "every hostile request must be refused with a 4xx ProblemDetails naming the field; {0} of {1} were not", failures.Count, Corpus.Count);
        (await admin.BoardActivities()).Should().Be(boardBefore, "the corpus must not count anything on the board");
        (await StoredActivities(admin)).Should().Be(storedBefore, "the corpus must not store any activity");

        var valid = Activity(RedPomegranate, title: "敌意输入之后的正常活动");
        var created = await admin.PostActivity(valid);
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        (await StoredActivities(admin)).Should().Be(storedBefore + 1);
        await Poll.Until(async () => (await admin.GetJson("/api/board"))["recent"]!.AsArray()
            .Any(f => f!["activity"]!["id"]!.GetValue<Guid>() == valid.Id));
        (await admin.BoardActivities()).Should().Be(boardBefore + 1);
    }

    [Fact]
    public async Task Injection_text_in_free_text_fields_is_stored_verbatim_as_text_and_nothing_else_happens()
    {
        var admin = await Client(Caller.Admin);
        var storedBefore = await StoredActivities(admin);
        var teamsBefore = (await admin.GetJson("/api/teams")).AsArray().Count;
        var title = $"Robert'); DROP TABLE Storage;-- {ScriptInjection}";
        var activity = Activity(RedPomegranate, title: title) with { Place = HtmlInjection, Description = SqlInjection + " \" \\ {{7*7}} ${7*7}" };

        var response = await admin.PostActivity(activity);

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var read = await admin.GetAsync($"/api/activities/{activity.Id}");
        read.Content.Headers.ContentType!.MediaType.Should().Be("application/json", "the text goes back as JSON data, never as a page");
        read.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        var stored = await read.Json();
        stored["title"]!.GetValue<string>().Should().Be(title);
        stored["place"]!.GetValue<string>().Should().Be(HtmlInjection);
        stored["description"]!.GetValue<string>().Should().Be(activity.Description);

        (await StoredActivities(admin)).Should().Be(storedBefore + 1, "exactly the one activity is stored");
        // The board takes the team's report a moment after the write is acknowledged.
        await Poll.Until(async () => (await admin.GetJson("/api/admin/consistency"))["consistent"]!.GetValue<bool>());
        (await admin.GetJson("/api/teams")).AsArray().Should().HaveCount(teamsBefore);
        (await admin.GetJson(AccountsUrl)).AsArray().Select(a => a!["username"]!.GetValue<string>()).Should().Contain("admin");
        (await admin.PostActivity(Activity(RedPomegranate))).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    public void Dispose()
    {
        foreach (var (caller, client) in _clients)
        {
            if (caller != Caller.AdminSession)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Sends the case; null when it was refused as it must be, else what went wrong.</summary>
    private async Task<string?> Check(HostileCase hostile)
    {
        var client = await Client(hostile.Caller);
        using var request = new HttpRequestMessage(hostile.Method, hostile.Url) { Content = hostile.Content?.Invoke() };
        foreach (var (header, value) in hostile.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.Remove(header);
            request.Headers.TryAddWithoutValidation(header, value);
        }

        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var faults = new List<string>();
        if (status is < 400 or > 499)
        {
            faults.Add($"got {status}, not a 4xx");
        }
        else if (status != hostile.Status)
        {
            faults.Add($"got {status}, expected {hostile.Status}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != "application/problem+json")
        {
            faults.Add($"Content-Type {mediaType ?? "(none)"}, not application/problem+json");
        }

        var fields = new List<string>();
        try
        {
            if (JsonNode.Parse(text) is not JsonObject problem)
            {
                faults.Add("the body is not a JSON object");
            }
            else
            {
                if (problem["status"] is not JsonValue reported || reported.GetValue<int>() != status)
                {
                    faults.Add($"\"status\" is {problem["status"]?.ToJsonString() ?? "missing"}, not {status}");
                }

                if (problem["errors"] is JsonObject errors)
                {
                    fields.AddRange(errors.Select(e => e.Key));
                }

                if (problem["field"] is JsonValue field)
                {
                    fields.Add(field.GetValue<string>());
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            faults.Add($"the body is not ProblemDetails JSON ({e.Message})");
        }

        if (hostile.Field is { } expected && !fields.Contains(expected))
        {
            faults.Add($"names [{string.Join(", ", fields)}], not \"{expected}\"");
        }

        if (hostile.ActivityId is { } id)
        {
            var stored = await (await Client(Caller.Admin)).GetAsync($"{ActivitiesUrl}/{id}");
            if (stored.StatusCode != HttpStatusCode.NotFound)
            {
                faults.Add($"GET {ActivitiesUrl}/{id} afterwards answered {(int)stored.StatusCode}: the activity was stored");
            }
        }

        return faults.Count == 0 ? null : $"{hostile.Name}: {string.Join("; ", faults)} — body: {Clip(text)}";
    }

    private async Task<HttpClient> Client(Caller caller)
    {
        if (!_clients.TryGetValue(caller, out var client))
        {
            client = caller switch
            {
                Caller.Anonymous => factory.NewClient(),
                Caller.Admin => await factory.ClientAsync(Roles.Admin),
                Caller.AdminSession => await factory.Tokens.AdminSessionAsync(),
                Caller.Leader => await factory.ClientAsync(Roles.Leader, Dianchi),
                Caller.Viewer => await factory.ClientAsync(Roles.Viewer),
                Caller.Wall => await factory.ClientAsync(Roles.Wall),
                _ => throw new ArgumentOutOfRangeException(nameof(caller)),
            };
            _clients[caller] = client;
        }

        return client;
    }

    private static async Task<long> StoredActivities(HttpClient admin) =>
        (await admin.GetJson("/api/admin/consistency"))["storedActivities"]!.GetValue<long>();

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";

    // ---------------------------------------------------------------- the corpus

    private static Dictionary<string, HostileCase> Build()
    {
        var corpus = new Dictionary<string, HostileCase>();
        void Add(HostileCase hostile) => corpus.Add(hostile.Name, hostile);

        AddActivityFieldCases(Add);
        AddActivityBodyCases(Add);
        AddMediaTypeCases(Add);
        AddAuthorityCases(Add);
        AddRouteAndMethodCases(Add);
        AddQueryCases(Add);
        AddLoginCases(Add);
        AddTokenCases(Add);
        AddAccountCases(Add);
        AddPairingCases(Add);
        return corpus;
    }

    /// <summary>Wrong types, out-of-range numbers, control characters and injection text in each field of an activity.</summary>
    private static void AddActivityFieldCases(Action<HostileCase> add)
    {
        void Field(string name, string field, string rawJson, int status = BadRequest, string? expectedField = null) =>
            add(ActivityCase($"activity {name}", field, rawJson, status, expectedField ?? (status == TooLarge ? "body" : field)));

        // id
        Field("id as a number", "id", "12345");
        Field("id as true", "id", "true");
        Field("id as an object", "id", "{}");
        Field("id as an array", "id", """["6f1d3a8e-2a55-4d3e-9c11-0a4f2b7d9e01"]""");
        Field("id not a guid", "id", "\"not-a-guid\"");
        Field("id empty string", "id", "\"\"");
        Field("id minus zero", "id", "-0");
        Field("id 1e309", "id", "1e309");
        Field("id SQL injection", "id", Str(SqlInjection));
        Field("id script injection", "id", Str(ScriptInjection));
        Field("id with NUL", "id", Str("6f1d3a8e-2a55-4d3e-9c11-0a4f2b7d9e0\u0000"));
        Field("id with RLO", "id", Str("\u202e6f1d3a8e-2a55-4d3e-9c11-0a4f2b7d9e01"));
        Field("id with lone surrogate", "id", "\"6f1d3a8e-2a55-4d3e-9c11-0a4f2b7d9e0\\ud800\"");

        // teamId
        Field("teamId as a number", "teamId", "42");
        Field("teamId as an array", "teamId", Str([RedPomegranate]));
        Field("teamId as an object", "teamId", """{"id":"red-pomegranate"}""");
        Field("teamId as false", "teamId", "false");
        Field("teamId minus zero", "teamId", "-0");
        Field("teamId SQL injection", "teamId", Str(SqlInjection));
        Field("teamId script injection", "teamId", Str(ScriptInjection));
        Field("teamId path traversal", "teamId", Str("../" + Dianchi));
        Field("teamId with NUL", "teamId", Str(RedPomegranate + "\u0000"));
        Field("teamId with ESC", "teamId", Str(RedPomegranate + "\u001b[2J"));
        Field("teamId with RLO", "teamId", Str("\u202e" + RedPomegranate));
        Field("teamId with lone surrogate", "teamId", "\"red-pomegranate\\udc00\"");
        Field("teamId upper case", "teamId", Str(RedPomegranate.ToUpperInvariant()));
        Field("teamId 1 MB", "teamId", Str(new string('t', OneMegabyte)), TooLarge);

        // occurredAt
        Field("occurredAt as epoch seconds", "occurredAt", "1763604000");
        Field("occurredAt as true", "occurredAt", "true");
        Field("occurredAt as an object", "occurredAt", """{"date":"2026-11-20"}""");
        Field("occurredAt minus zero", "occurredAt", "-0");
        Field("occurredAt SQL injection", "occurredAt", Str("2026-11-20T10:00:00+08:00" + SqlInjection));
        Field("occurredAt script injection", "occurredAt", Str(ScriptInjection));
        Field("occurredAt February 30", "occurredAt", Str("2026-02-30T10:00:00+08:00"));
        Field("occurredAt hour 25", "occurredAt", Str("2026-11-20T25:00:00+08:00"));
        Field("occurredAt offset +99:00", "occurredAt", Str("2026-11-20T10:00:00+99:00"));
        Field("occurredAt year 9999", "occurredAt", Str("9999-12-31T23:59:59+14:00"));
        Field("occurredAt year 1", "occurredAt", Str("0001-01-01T00:00:00-14:00"));
        Field("occurredAt 8 fraction digits", "occurredAt", Str("2026-11-20T10:00:00.12345678+08:00"));
        Field("occurredAt with NUL", "occurredAt", Str("2026-11-20T10:00:00+08:00\u0000"));
        Field("occurredAt with RLO", "occurredAt", Str("\u202e2026-11-20T10:00:00+08:00"));

        // domain and district
        Field("domain as a number", "domain", "7");
        Field("domain as an array", "domain", Str(["livelihood"]));
        Field("domain SQL injection", "domain", Str("livelihood" + SqlInjection));
        Field("domain HTML injection", "domain", Str(HtmlInjection));
        Field("domain with NUL", "domain", Str("livelihood\u0000"));
        Field("domain upper case", "domain", Str("LIVELIHOOD"));
        Field("district as an object", "district", "{}");
        Field("district as false", "district", "false");
        Field("district SQL injection", "district", Str("xishan'; DROP TABLE Storage; --"));
        Field("district script injection", "district", Str("<svg onload=alert(1)>"));
        Field("district with RLO", "district", Str("xi\u202eshan"));
        Field("district with ESC", "district", Str("\u001b]0;pwned\u0007xishan"));

        // place, title, description
        Field("place as a number", "place", "3.14");
        Field("place as an array", "place", Str(["复兴社区"]));
        Field("place as an object", "place", "{}");
        Field("place 201 characters", "place", Str(new string('地', 201)));
        Field("place with NUL", "place", Str("复兴\u0000社区"));
        Field("place with ESC", "place", Str("\u001b[31m复兴社区"));
        Field("place with RLO", "place", Str("复兴社区\u202egnp.exe"));
        Field("place with lone surrogate", "place", "\"复兴社区\\ud83d\"");
        Field("place 1 MB", "place", Str(new string('p', OneMegabyte)), TooLarge);
        Field("title as zero", "title", "0");
        Field("title as false", "title", "false");
        Field("title as an array", "title", "[]");
        Field("title as an object", "title", """{"zh":"宣讲"}""");
        Field("title empty", "title", "\"\"");
        Field("title only spaces", "title", "\"   \"");
        Field("title null", "title", "null");
        Field("title 201 characters", "title", Str(new string('长', 201)));
        Field("title with NUL", "title", Str("宣讲\u0000"));
        Field("title with ESC", "title", Str("\u001b[2J宣讲"));
        Field("title with RLO", "title", Str("宣讲\u202etxt.exe"));
        Field("title with lone high surrogate", "title", "\"宣讲\\ud800\"");
        Field("title with lone low surrogate", "title", "\"\\udc00宣讲\"");
        Field("title 1 MB", "title", Str(new string('x', OneMegabyte)), TooLarge);
        Field("description as a number", "description", "1");
        Field("description as an object", "description", "{}");
        Field("description 4001 characters", "description", Str(new string('x', 4001)));
        Field("description with NUL", "description", Str("入户宣传\u0000"));
        Field("description with ESC", "description", Str("入户宣传\u001b[8m隐藏"));
        Field("description with RLO", "description", Str("入户宣传\u202e"));
        Field("description with lone surrogate", "description", "\"入户宣传\\udfff\"");
        Field("description 1 MB", "description", Str(new string('d', OneMegabyte)), TooLarge);

        // participants
        Field("participants as a numeric string", "participants", "\"5\"");
        Field("participants as a word", "participants", "\"many\"");
        Field("participants as true", "participants", "true");
        Field("participants as an array", "participants", "[5]");
        Field("participants as an object", "participants", """{"count":5}""");
        Field("participants null", "participants", "null");
        Field("participants negative", "participants", "-1");
        Field("participants int min", "participants", "-2147483648");
        Field("participants int overflow", "participants", "2147483648");
        Field("participants 20 digits", "participants", "99999999999999999999");
        Field("participants 1e309", "participants", "1e309");
        Field("participants fraction", "participants", "1.5");
        Field("participants over the cap", "participants", "100001");
        Field("participants SQL injection", "participants", Str("5; DROP TABLE Storage"));

        // outcomes and each outcome
        Field("outcomes as a string", "outcomes", "\"lots\"");
        Field("outcomes as an array", "outcomes", "[1,2,3]");
        Field("outcomes as a number", "outcomes", "5");
        Field("outcomes unknown outcome", "outcomes", """{"bribesPaid":1}""", expectedField: "outcomes.bribesPaid");
        Field("householdsVisited negative", "outcomes.householdsVisited", "-1");
        Field("householdsVisited fraction", "outcomes.householdsVisited", "1.5");
        Field("householdsVisited numeric string", "outcomes.householdsVisited", "\"3\"");
        Field("householdsVisited over the cap", "outcomes.householdsVisited", "1000001");
        Field("residentsServed int overflow", "outcomes.residentsServed", "2147483648");
        Field("residentsServed 1e309", "outcomes.residentsServed", "1e309");
        Field("residentsServed below int min", "outcomes.residentsServed", "-2147483649");
        Field("enterprisesServed as an object", "outcomes.enterprisesServed", "{}");
        Field("enterprisesServed negative", "outcomes.enterprisesServed", "-1000000");
        Field("problemsSolved fraction", "outcomes.problemsSolved", "0.5");
        Field("problemsSolved as an array", "outcomes.problemsSolved", "[]");
        Field("disputesMediated negative fraction", "outcomes.disputesMediated", "-0.5");
        Field("disputesMediated as true", "outcomes.disputesMediated", "true");
        Field("policySessions 1E+400", "outcomes.policySessions", "1E+400");
        Field("projectsLanded SQL injection", "outcomes.projectsLanded", Str(SqlInjection));

        // partners
        Field("partners as a string", "partners", Str(KfcCoffee));
        Field("partners as an object", "partners", """{"0":"kfc-coffee-community-space"}""");
        Field("partners as a number", "partners", "5");
        Field("partners listed twice", "partners", Str([KfcCoffee, KfcCoffee]));
        Field("partners 21 entries", "partners", Str([.. Enumerable.Range(0, 21).Select(i => $"enterprise-{i}")]));
        Field("partner null", "partners[0]", "[null]", expectedField: "partners[0]");
        Field("partner as a number", "partners[0]", "[1]");
        Field("partner as an array", "partners[0]", "[[]]");
        Field("partner SQL injection", "partners[0]", Str([SqlInjection]));
        Field("partner script injection", "partners[0]", Str([ScriptInjection]));
        Field("partner with NUL", "partners[0]", Str([KfcCoffee + "\u0000"]));
        Field("partner with lone surrogate", "partners[0]", "[\"kfc\\ud800\"]");
    }

    /// <summary>Bodies that are not an activity at all: broken, truncated, duplicated or padded JSON.</summary>
    private static void AddActivityBodyCases(Action<HostileCase> add)
    {
        // Each case starts from a valid body of its own (its own id), so a case that slipped through would be found stored.
        void Body(string name, Func<string, string> hostile, int status = BadRequest, string? field = "body")
        {
            var (valid, id) = ActivityJson("title", Str("正常标题"));
            add(new HostileCase($"activity body {name}", Caller.Admin, HttpMethod.Post, ActivitiesUrl, Json(hostile(valid)), status, field, id));
        }

        void Bytes(string name, byte[] raw, string? field) =>
            add(new HostileCase($"activity body {name}", Caller.Admin, HttpMethod.Post, ActivitiesUrl,
                () => new ByteArrayContent(raw) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }, BadRequest, field));

        Body("empty", _ => "");
        Body("only whitespace", _ => "   \n\t ");
        Body("opening brace only", _ => "{");
        Body("truncated after a key", _ => "{\"id\": ");
        Body("truncated in half", v => v[..(v.Length / 2)]);
        Body("missing the closing brace", v => v[..^1]);
        Body("trailing garbage", v => v + "}}");
        Body("two objects", v => v + v);
        Body("trailing comma", v => v[..^1] + ",}");
        Body("single quotes", v => v.Replace('"', '\''));
        Body("comment", v => "/* hi */" + v);
        Body("NaN literal", v => Replace(v, "\"participants\":5", "\"participants\":NaN"), field: null);
        Body("Infinity literal", v => Replace(v, "\"participants\":5", "\"participants\":-Infinity"), field: null);
        Body("unquoted key", v => Replace(v, "\"title\":", "title:"));
        Body("null", _ => "null");
        Body("an array", v => $"[{v}]");
        Body("a string", _ => "\"activity\"");
        Body("a number", _ => "42");
        Body("true", _ => "true");
        Body("an XML document", _ => "<activity><title>宣讲</title></activity>");
        Body("nested 64 deep", _ => new string('[', 64) + new string(']', 64));
        Body("nested 64 deep in a field", v => Replace(v, "\"partners\":[]", "\"partners\":" + new string('[', 64) + new string(']', 64)), field: null);
        Body("raw NUL inside a string", v => Replace(v, "正常标题", "正常\u0000标题"));
        Body("raw ESC inside a string", v => Replace(v, "正常标题", "正常\u001b标题"));
        Body("raw line feed inside a string", v => Replace(v, "正常标题", "正常\n标题"));
        Body("duplicate id", v => "{\"id\":\"" + Guid.NewGuid() + "\"," + v[1..]);
        Body("duplicate title", v => v[..^1] + ",\"title\":\"另一个标题\"}");
        Body("duplicate outcome", v => Replace(v, "\"outcomes\":{", "\"outcomes\":{\"residentsServed\":999,"));
        Body("title and Title", v => v[..^1] + ",\"Title\":\"另一个标题\"}", field: "Title");
        Body("unknown field isAdmin", v => v[..^1] + ",\"isAdmin\":true}", field: "isAdmin");
        Body("unknown field recordedBy", v => v[..^1] + ",\"recordedBy\":\"admin\"}", field: "recordedBy");
        Body("unknown field sequence", v => v[..^1] + ",\"sequence\":1}", field: "sequence");
        Body("unknown field __proto__", v => v[..^1] + ",\"__proto__\":{\"isAdmin\":true}}", field: "__proto__");
        Body("metadata $type", v => "{\"$type\":\"System.IO.FileInfo\"," + v[1..], field: null);
        Body("metadata $ref", _ => "{\"$ref\":\"1\"}", field: null);
        Body("1 MB of whitespace", v => new string(' ', OneMegabyte) + v, TooLarge);

        // Bytes that are not UTF-8 inside the title's string: the title is named.
        Bytes("invalid UTF-8", [.. Encoding.UTF8.GetBytes("{\"title\":\""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}")], "title");
        Bytes("CESU-8 surrogate bytes", [.. Encoding.UTF8.GetBytes("{\"title\":\""), 0xED, 0xA0, 0x80, .. Encoding.UTF8.GetBytes("\"}")], "title");
        Bytes("UTF-16 encoded", Encoding.Unicode.GetBytes(ActivityJson("title", Str("正常标题")).Json), "body");
    }

    private static void AddMediaTypeCases(Action<HostileCase> add)
    {
        var (valid, id) = ActivityJson("title", Str("正常标题"));
        void Media(string name, Func<HttpContent> content) =>
            add(new HostileCase($"activity as {name}", Caller.Admin, HttpMethod.Post, ActivitiesUrl, content, UnsupportedMedia, "body", id));

        Media("text/plain", () => new StringContent(valid, Encoding.UTF8, "text/plain"));
        Media("a form", () => new FormUrlEncodedContent(new Dictionary<string, string> { ["activity"] = valid, ["title"] = "宣讲" }));
        Media("multipart", () => new MultipartFormDataContent { { new StringContent(valid, Encoding.UTF8, "application/json"), "activity" } });
        Media("no content type", () => new ByteArrayContent(Encoding.UTF8.GetBytes(valid)));
        Media("application/xml", () => new StringContent("<activity><title>宣讲</title></activity>", Encoding.UTF8, "application/xml"));
        Media("text/json", () => new StringContent(valid, Encoding.UTF8, "text/json"));
        Media("application/jsonp", () => new StringContent(valid, Encoding.UTF8, "application/jsonp"));
        Media("text/html", () => new StringContent($"<html><body>{ScriptInjection}</body></html>", Encoding.UTF8, "text/html"));
        Media("application/x-www-form-urlencoded with JSON inside", () => new StringContent(valid, Encoding.UTF8, "application/x-www-form-urlencoded"));
    }

    private static void AddAuthorityCases(Action<HostileCase> add)
    {
        var (other, otherId) = ActivityJson("title", Str("不是本队的活动"));
        var (own, ownId) = ActivityJson("title", Str("本队活动"), Dianchi);
        var (ownBad, ownBadId) = ActivityJson("title", Str("本队\u0000活动"), Dianchi);
        var (injected, injectedId) = ActivityJson("teamId", Str(ScriptInjection), Dianchi);
        var (sessionBad, sessionBadId) = ActivityJson("participants", "-1");

        add(new HostileCase("leader writes for another team", Caller.Leader, HttpMethod.Post, ActivitiesUrl, Json(other), Forbidden, "teamId", otherId));
        add(new HostileCase("leader writes for a script-named team", Caller.Leader, HttpMethod.Post, ActivitiesUrl, Json(injected), Forbidden, "teamId", injectedId));
        add(new HostileCase("leader writes garbage for own team", Caller.Leader, HttpMethod.Post, ActivitiesUrl, Json(ownBad), BadRequest, "title", ownBadId));
        add(new HostileCase("viewer writes an activity", Caller.Viewer, HttpMethod.Post, ActivitiesUrl, Json(own), Forbidden, null, ownId));
        add(new HostileCase("wall writes an activity", Caller.Wall, HttpMethod.Post, ActivitiesUrl, Json(own), Forbidden, null, ownId));
        add(new HostileCase("anonymous writes an activity", Caller.Anonymous, HttpMethod.Post, ActivitiesUrl, Json(own), Unauthorized, null, ownId));
        add(new HostileCase("forged bearer token", Caller.Anonymous, HttpMethod.Post, ActivitiesUrl, Json(own), Unauthorized, null, ownId,
            new Dictionary<string, string> { ["Authorization"] = "Bearer ' OR '1'='1" }));
        add(new HostileCase("bearer token of 8 KB", Caller.Anonymous, HttpMethod.Post, ActivitiesUrl, Json(own), Unauthorized, null, ownId,
            new Dictionary<string, string> { ["Authorization"] = "Bearer " + new string('A', 8192) }));
        add(new HostileCase("basic credentials instead of a token", Caller.Anonymous, HttpMethod.Post, ActivitiesUrl, Json(own), Unauthorized, null, ownId,
            new Dictionary<string, string> { ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Sign.AdminPassword)) }));
        add(new HostileCase("cookie write with a forged antiforgery token", Caller.AdminSession, HttpMethod.Post, ActivitiesUrl, Json(own), BadRequest,
            Sign.AntiforgeryHeader, ownId, new Dictionary<string, string> { [Sign.AntiforgeryHeader] = "forged" }));
        add(new HostileCase("cookie write of garbage with a valid antiforgery token", Caller.AdminSession, HttpMethod.Post, ActivitiesUrl, Json(sessionBad),
            BadRequest, "participants", sessionBadId));
    }

    private static void AddRouteAndMethodCases(Action<HostileCase> add)
    {
        void Route(string name, HttpMethod method, string url, int status, string? field, Caller caller = Caller.Admin, Func<HttpContent>? content = null) =>
            add(new HostileCase($"route {name}", caller, method, url, content, status, field));

        var (valid, _) = ActivityJson("title", Str("正常标题"));
        Route("activity id not a guid", HttpMethod.Get, $"{ActivitiesUrl}/not-a-guid", BadRequest, "activityId");
        Route("activity id SQL injection", HttpMethod.Get, $"{ActivitiesUrl}/{Uri.EscapeDataString(Guid.NewGuid() + SqlInjection)}", BadRequest, "activityId");
        Route("activity id script", HttpMethod.Get, $"{ActivitiesUrl}/{Uri.EscapeDataString(ScriptInjection)}", BadRequest, "activityId");
        Route("activity id control character", HttpMethod.Get, $"{ActivitiesUrl}/%01%1B", BadRequest, "activityId");
        Route("activity id traversal", HttpMethod.Get, $"{ActivitiesUrl}/..%2F..%2Fadmin%2Fconsistency", BadRequest, "activityId");
        Route("activity id backslash traversal", HttpMethod.Get, $"{ActivitiesUrl}/..%5C..%5Cadmin", BadRequest, "activityId");
        Route("activity id empty guid", HttpMethod.Get, $"{ActivitiesUrl}/{Guid.Empty}", NotFound, "activityId");
        Route("team script", HttpMethod.Get, $"/api/teams/{Uri.EscapeDataString(ScriptInjection)}", NotFound, "teamId");
        Route("team SQL injection", HttpMethod.Get, $"/api/teams/{Uri.EscapeDataString(SqlInjection)}", NotFound, "teamId");
        Route("team traversal", HttpMethod.Get, "/api/teams/..%2F..%2Fadmin%2Fconsistency", NotFound, "teamId");
        Route("team encoded dots traversal", HttpMethod.Get, "/api/teams/%2e%2e%2f%2e%2e%2fetc%2fpasswd", NotFound, "teamId");
        Route("team ESC", HttpMethod.Get, $"/api/teams/{RedPomegranate}%1B%5B2J", NotFound, "teamId");
        Route("team RLO", HttpMethod.Get, $"/api/teams/%E2%80%AE{RedPomegranate}", NotFound, "teamId");
        Route("team timeline traversal", HttpMethod.Get, "/api/teams/..%2Fadmin/activities", NotFound, "teamId");
        Route("enterprise script", HttpMethod.Get, $"/api/enterprises/{Uri.EscapeDataString(ScriptInjection)}", NotFound, "enterpriseId");
        Route("URL of 4097 characters", HttpMethod.Get, "/api/teams/" + new string('a', 4097 - "/api/teams/".Length), UriTooLong, null);
        Route("query of 5000 characters", HttpMethod.Get, "/api/board?pad=" + new string('q', 5000), UriTooLong, null);
        Route("URL of 10000 characters anonymous", HttpMethod.Get, "/api/board/" + new string('b', 10_000), UriTooLong, null, Caller.Anonymous);
        Route("activity post to a 5000-character URL", HttpMethod.Post, ActivitiesUrl + "?x=" + new string('x', 5000), UriTooLong, null, content: Json(valid));
        Route("PUT activities", HttpMethod.Put, ActivitiesUrl, MethodNotAllowed, null, content: Json(valid));
        Route("PATCH an activity", HttpMethod.Patch, $"{ActivitiesUrl}/{Guid.NewGuid()}", MethodNotAllowed, null, content: Json(valid));
        Route("PUT an activity with a script id", HttpMethod.Put, $"{ActivitiesUrl}/{Uri.EscapeDataString(ScriptInjection)}", BadRequest, "activityId", content: Json(valid));
        Route("DELETE an activity with a traversal id", HttpMethod.Delete, $"{ActivitiesUrl}/..%2F..%2Fadmin%2Frebuild", BadRequest, "activityId",
            content: Json("{\"reason\":\"cleanup\"}"));
        Route("PATCH a team", HttpMethod.Patch, $"/api/teams/{RedPomegranate}", MethodNotAllowed, null, content: Json("{\"name\":\"pwned\"}"));
        Route("DELETE the board", HttpMethod.Delete, "/api/board", MethodNotAllowed, null);
        Route("PUT admin rebuild", HttpMethod.Put, "/api/admin/rebuild", MethodNotAllowed, null);
        Route("GET login", HttpMethod.Get, LoginUrl, MethodNotAllowed, null);
        Route("DELETE the consistency check", HttpMethod.Delete, "/api/admin/consistency", MethodNotAllowed, null);
        Route("export with a bad format", HttpMethod.Get, "/api/exports/activities.exe", BadRequest, "format");
        Route("export with an ESC in the format", HttpMethod.Get, "/api/exports/activities.csv%1B.xlsx", BadRequest, "format");
    }

    private static void AddQueryCases(Action<HostileCase> add)
    {
        void Query(string name, string query, string field) =>
            add(new HostileCase($"timeline {name}", Caller.Admin, HttpMethod.Get, $"{Timeline}?{query}", null, BadRequest, field));
        void Export(string name, string url, string field) =>
            add(new HostileCase($"export {name}", Caller.Admin, HttpMethod.Get, url, null, BadRequest, field));
        string Q(string value) => Uri.EscapeDataString(value);

        Query("from garbage", "from=yesterday", "from");
        Query("from SQL injection", $"from={Q("2026-11-01" + SqlInjection)}", "from");
        Query("from script", $"from={Q(ScriptInjection)}", "from");
        Query("from month 13", "from=2026-13-01", "from");
        Query("from without an offset", "from=2026-11-01T10:00:00", "from");
        Query("from year 1", "from=0001-01-01", "from");
        Query("from instant before year 1", $"from={Q("0001-01-01T00:00:00+14:00")}", "from");
        Query("to garbage", "to=tomorrow", "to");
        Query("to February 30", "to=2026-02-30", "to");
        Query("to year 9999", "to=9999-12-31", "to");
        Query("to before from", "from=2026-11-20&to=2026-11-01", "to");
        Query("to with NUL", "to=2026-11-01%00", "to");
        Query("domain garbage", "domain=space-exploration", "domain");
        Query("domain SQL injection", $"domain={Q(SqlInjection)}", "domain");
        Query("domain script", $"domain={Q(ScriptInjection)}", "domain");
        Query("page zero", "page=0", "page");
        Query("page negative", "page=-1", "page");
        Query("page minus zero", "page=-0", "page");
        Query("page word", "page=first", "page");
        Query("page fraction", "page=1.5", "page");
        Query("page int overflow", "page=2147483648", "page");
        Query("page given twice", "page=1&page=2", "page");
        Query("pageSize zero", "pageSize=0", "pageSize");
        Query("pageSize over 200", "pageSize=201", "pageSize");
        Query("pageSize huge", "pageSize=1000000000", "pageSize");
        Query("pageSize 30 digits", "pageSize=" + new string('9', 30), "pageSize");
        Query("pageSize exponent", "pageSize=1e2", "pageSize");
        Query("pageSize plus sign", "pageSize=%2B20", "pageSize");
        Query("pageSize hex", "pageSize=0x10", "pageSize");
        Query("pageSize SQL injection", $"pageSize={Q("20; DROP TABLE Storage")}", "pageSize");
        Export("team script", $"/api/exports/activities.csv?teamId={Q(ScriptInjection)}", "teamId");
        Export("district SQL injection", $"/api/exports/activities.csv?district={Q(SqlInjection)}", "district");
        Export("domain garbage", "/api/exports/activities.xlsx?domain=space-exploration", "domain");
        Export("from garbage", "/api/exports/activities.csv?from=yesterday", "from");
        Export("from year 1", "/api/exports/activities.csv?from=0001-01-01", "from");
        Export("to year 9999", "/api/exports/activities.xlsx?to=9999-12-31", "to");
        Export("month 13", "/api/exports/monthly.csv?month=2026-13", "month");
        Export("month script", $"/api/exports/monthly.xlsx?month={Q(ScriptInjection)}", "month");
    }

    private static void AddLoginCases(Action<HostileCase> add)
    {
        void Login(string name, Func<HttpContent> content, int status, string? field) =>
            add(new HostileCase($"login {name}", Caller.Anonymous, HttpMethod.Post, LoginUrl, content, status, field));

        Login("truncated JSON", Json("{\"username\":\"admin\",\"password\":"), BadRequest, "body");
        Login("an array", Json("[\"admin\",\"password\"]"), BadRequest, "body");
        Login("null", Json("null"), BadRequest, "body");
        Login("username as a number", Json("{\"username\":1,\"password\":\"whatever-password\"}"), BadRequest, "username");
        Login("password as an object", Json("{\"username\":\"admin\",\"password\":{\"$ne\":null}}"), BadRequest, "password");
        Login("duplicate username", Json("{\"username\":\"nobody\",\"username\":\"admin\",\"password\":\"whatever-password\"}"), BadRequest, "body");
        Login("unknown field", Json("{\"username\":\"admin\",\"password\":\"whatever-password\",\"role\":\"admin\"}"), BadRequest, "role");
        Login("SQL injection username", Json(Obj(("username", "admin' OR '1'='1' --"), ("password", "' OR 'x'='x"))), Unauthorized, "password");
        Login("username of 65 characters", Json(Obj(("username", new string('a', 65)), ("password", "whatever-password"))), BadRequest, "username");
        Login("password 1 MB", Json(Obj(("username", "admin"), ("password", new string('p', OneMegabyte)))), TooLarge, "body");
        Login("as a form", () => new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = Sign.AdminPassword }), UnsupportedMedia, "body");
    }

    private static void AddTokenCases(Action<HostileCase> add)
    {
        void Token(string name, string raw, int status, string? field) =>
            add(new HostileCase($"token {name}", Caller.Admin, HttpMethod.Post, TokensUrl, Json(raw), status, field));

        Token("role unknown", Obj(("name", "t"), ("role", "superuser")), BadRequest, "role");
        Token("role SQL injection", Obj(("name", "t"), ("role", "admin" + SqlInjection)), BadRequest, "role");
        Token("role script", Obj(("name", "t"), ("role", ScriptInjection)), BadRequest, "role");
        Token("role upper case", Obj(("name", "t"), ("role", "Admin")), BadRequest, "role");
        Token("role with NUL", Obj(("name", "t"), ("role", "admin\u0000")), BadRequest, "role");
        Token("role as an array", "{\"name\":\"t\",\"role\":[\"admin\"]}", BadRequest, "role");
        Token("leader without a team", Obj(("name", "t"), ("role", Roles.Leader)), BadRequest, "teamId");
        Token("leader of a script team", Obj(("name", "t"), ("role", Roles.Leader), ("teamId", ScriptInjection)), BadRequest, "teamId");
        Token("viewer with a team", Obj(("name", "t"), ("role", Roles.Viewer), ("teamId", RedPomegranate)), BadRequest, "teamId");
        Token("name empty", Obj(("name", ""), ("role", Roles.Viewer)), BadRequest, "name");
        Token("name with NUL", Obj(("name", "wall\u0000"), ("role", Roles.Viewer)), BadRequest, "name");
        Token("name with ESC", Obj(("name", "\u001b[2Jwall"), ("role", Roles.Viewer)), BadRequest, "name");
        Token("name of 65 characters", Obj(("name", new string('n', 65)), ("role", Roles.Viewer)), BadRequest, "name");
        Token("name as a number", "{\"name\":5,\"role\":\"viewer\"}", BadRequest, "name");
        Token("name 1 MB", Obj(("name", new string('n', OneMegabyte)), ("role", Roles.Viewer)), TooLarge, "body");
        Token("expires in 0 days", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":0}", BadRequest, "expiresInDays");
        Token("expires in -1 days", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":-1}", BadRequest, "expiresInDays");
        Token("expires in 3651 days", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":3651}", BadRequest, "expiresInDays");
        Token("expires int overflow", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":2147483648}", BadRequest, "expiresInDays");
        Token("expires fraction", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":1.5}", BadRequest, "expiresInDays");
        Token("expires as a numeric string", "{\"name\":\"t\",\"role\":\"viewer\",\"expiresInDays\":\"30\"}", BadRequest, "expiresInDays");
        Token("unknown field", "{\"name\":\"t\",\"role\":\"viewer\",\"scopes\":[\"admin\"]}", BadRequest, "scopes");
        Token("duplicate role", "{\"name\":\"t\",\"role\":\"viewer\",\"role\":\"admin\"}", BadRequest, "body");
        Token("truncated JSON", "{\"name\":\"t\",\"role\":", BadRequest, "body");
    }

    private static void AddAccountCases(Action<HostileCase> add)
    {
        void Account(string name, string raw, int status, string? field) =>
            add(new HostileCase($"account {name}", Caller.Admin, HttpMethod.Post, AccountsUrl, Json(raw), status, field));
        string Viewer(string username, string password = "a-good-password-1") => Obj(("username", username), ("password", password), ("role", Roles.Viewer));

        Account("username script", Viewer(ScriptInjection), BadRequest, "username");
        Account("username SQL injection", Viewer("admin'--"), BadRequest, "username");
        Account("username too short", Viewer("ab"), BadRequest, "username");
        Account("username with NUL", Viewer("eve\u0000admin"), BadRequest, "username");
        Account("username with RLO", Viewer("eve\u202enimda"), BadRequest, "username");
        Account("username traversal", Viewer("../admin"), BadRequest, "username");
        Account("username as a number", "{\"username\":12345,\"password\":\"a-good-password-1\",\"role\":\"viewer\"}", BadRequest, "username");
        Account("username Admin already exists", Viewer("Admin"), Conflict, "username");
        Account("username 1 MB", Viewer(new string('u', OneMegabyte)), TooLarge, "body");
        Account("password too short", Viewer("eve-short", "short"), BadRequest, "password");
        Account("password with NUL", Viewer("eve-nul", "password\u0000123"), BadRequest, "password");
        Account("password of 129 characters", Viewer("eve-long", new string('p', 129)), BadRequest, "password");
        Account("role unknown", Obj(("username", "eve-root"), ("password", "a-good-password-1"), ("role", "root")), BadRequest, "role");
        Account("leader of a SQL-injection team", Obj(("username", "eve-leader"), ("password", "a-good-password-1"), ("role", Roles.Leader), ("teamId", SqlInjection)), BadRequest, "teamId");
        Account("viewer with a team", Obj(("username", "eve-viewer"), ("password", "a-good-password-1"), ("role", Roles.Viewer), ("teamId", Dianchi)), BadRequest, "teamId");
        Account("unknown field", "{\"username\":\"eve-x\",\"password\":\"a-good-password-1\",\"role\":\"viewer\",\"isAdmin\":true}", BadRequest, "isAdmin");
        Account("an array", "[]", BadRequest, "body");
    }

    private static void AddPairingCases(Action<HostileCase> add)
    {
        void Approve(string name, string code, string raw, int status, string? field) =>
            add(new HostileCase($"pairing approve {name}", Caller.Admin, HttpMethod.Post, $"/api/walls/pairings/{code}/approve", Json(raw), status, field));
        var good = Obj(("name", "Committee hall wall"));

        Approve("unknown code", UnknownPairingCode, good, NotFound, "code");
        Approve("code script", Uri.EscapeDataString(ScriptInjection), good, NotFound, "code");
        Approve("code SQL injection", Uri.EscapeDataString(SqlInjection), good, NotFound, "code");
        Approve("code traversal", "..%2F..%2Ftokens", good, NotFound, "code");
        Approve("code of 5000 characters", new string('C', 5000), good, UriTooLong, null);
        Approve("name empty", UnknownPairingCode, Obj(("name", "")), BadRequest, "name");
        Approve("name with ESC", UnknownPairingCode, Obj(("name", "\u001b]0;wall\u0007")), BadRequest, "name");
        Approve("name of 65 characters", UnknownPairingCode, Obj(("name", new string('w', 65))), BadRequest, "name");
        Approve("name as an array", UnknownPairingCode, "{\"name\":[\"wall\"]}", BadRequest, "name");
        Approve("unknown field", UnknownPairingCode, "{\"name\":\"wall\",\"role\":\"admin\"}", BadRequest, "role");
        Approve("malformed JSON", UnknownPairingCode, "{\"name\":\"wall\"", BadRequest, "body");
        Approve("name 1 MB", UnknownPairingCode, Obj(("name", new string('w', OneMegabyte))), TooLarge, "body");
        add(new HostileCase("pairing approve as text/plain", Caller.Admin, HttpMethod.Post, $"/api/walls/pairings/{UnknownPairingCode}/approve",
            () => new StringContent(good, Encoding.UTF8, "text/plain"), UnsupportedMedia, "body"));
    }

    // ---------------------------------------------------------------- building bodies

    /// <summary>A valid activity body (admin-writable, for <paramref name="team"/>) with one field replaced by raw JSON text.</summary>
    private static (string Json, Guid Id) ActivityJson(string field, string rawJson, string team = RedPomegranate)
    {
        var activity = Activity(team);
        var body = JsonSerializer.SerializeToNode(TestData.Body(activity), ApiClient.Web)!.AsObject();
        var path = field.Replace("[0]", "", StringComparison.Ordinal).Split('.');
        var target = path.Length == 2 ? body[path[0]]!.AsObject() : body;
        target[path[^1]] = Placeholder;
        var json = body.ToJsonString(Relaxed).Replace($"\"{Placeholder}\"", rawJson, StringComparison.Ordinal);
        return (json, activity.Id);
    }

    private static HostileCase ActivityCase(string name, string field, string rawJson, int status, string expectedField)
    {
        var (json, id) = ActivityJson(field, rawJson);
        return new HostileCase(name, Caller.Admin, HttpMethod.Post, ActivitiesUrl, Json(json), status, expectedField, id);
    }

    private static string Replace(string json, string what, string with) =>
        json.Contains(what, StringComparison.Ordinal)
            ? json.Replace(what, with, StringComparison.Ordinal)
            : throw new InvalidOperationException($"The valid body has no {what} to replace.");

    private static Func<HttpContent> Json(string raw) => () => new StringContent(raw, Encoding.UTF8, "application/json");

    /// <summary>A JSON string (or array of strings) as System.Text.Json writes it: control characters escaped as \uXXXX.</summary>
    private static string Str(string value) => JsonSerializer.Serialize(value, Relaxed);

    private static string Str(string[] values) => JsonSerializer.Serialize(values, Relaxed);

    private static string Obj(params (string Key, string Value)[] members) =>
        JsonSerializer.Serialize(members.ToDictionary(m => m.Key, m => m.Value));
}
