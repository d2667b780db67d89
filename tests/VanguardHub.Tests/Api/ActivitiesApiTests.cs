using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

public sealed class ActivitiesApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncLifetime
{
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await factory.ClientAsync(Roles.Admin);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Logging_an_activity_answers_201_with_its_location_and_the_team_and_board_show_it()
    {
        var activity = Activity(Dianchi, domain: "ecology", district: "guandu", residents: 33, partners: [KfcCoffee]);
        var teamBefore = (await _client.GetJson($"/api/teams/{Dianchi}"))["aggregates"]!["total"]!["activities"]!.GetValue<int>();

        var response = await _client.PostActivity(activity);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.Location!.ToString().Should().Be($"/api/activities/{activity.Id}");
        var stored = await _client.GetJson(response.Headers.Location.ToString());
        stored["title"]!.GetValue<string>().Should().Be(activity.Title);
        stored["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(33);
        stored["occurredAt"]!.GetValue<DateTimeOffset>().Should().Be(activity.OccurredAt);

        var team = await _client.GetJson($"/api/teams/{Dianchi}");
        team["aggregates"]!["total"]!["activities"]!.GetValue<int>().Should().Be(teamBefore + 1);
        team["aggregates"]!["byDomain"]!["ecology"].Should().NotBeNull();
        team["recent"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()).Should().Contain(activity.Id);

        // The enterprise hears of it from the team just after the acknowledgement.
        await Poll.Until(async () => (await _client.GetJson($"/api/enterprises/{KfcCoffee}"))["totals"]!["byTeam"]![Dianchi] is { } byDianchi
            && byDianchi["activities"]!.GetValue<int>() > 0);

        var board = await Poll.Until(async () => await _client.GetJson("/api/board") is var b
            && b["recent"]!.AsArray().Any(f => f!["activity"]!["id"]!.GetValue<Guid>() == activity.Id) ? b : null);
        board["version"]!.GetValue<long>().Should().BePositive();
        board["leaderboard"]!.AsArray().Should().HaveCount(58);
    }

    [Fact]
    public async Task A_teams_partner_enterprises_are_listed_with_the_teams_part_of_each_most_frequent_first()
    {
        const string team = "red-pomegranate";
        async Task<JsonArray> Partners() => (await _client.GetJson($"/api/enterprises?teamId={team}")).AsArray();
        int PartOf(JsonArray list, string enterprise) =>
            list.SingleOrDefault(e => e!["profile"]!["id"]!.GetValue<string>() == enterprise)?["team"]!["activities"]!.GetValue<int>() ?? 0;
        var before = await Partners();

        foreach (var partners in new[] { new[] { KfcCoffee, Yuneng }, [KfcCoffee], [KfcCoffee] })
        {
            (await _client.PostActivity(Activity(team, partners: partners))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        // The enterprises hear of a team's activities just after its answers.
        var after = await Poll.Until(async () => await Partners() is var list
            && PartOf(list, KfcCoffee) == PartOf(before, KfcCoffee) + 3 && PartOf(list, Yuneng) == PartOf(before, Yuneng) + 1 ? list : null);

        after.Select(e => e!["team"]!["activities"]!.GetValue<int>()).Should().BeInDescendingOrder().And.OnlyContain(n => n > 0);
        var kfc = await _client.GetJson($"/api/enterprises/{KfcCoffee}");
        var listed = after.Single(e => e!["profile"]!["id"]!.GetValue<string>() == KfcCoffee)!;
        listed["team"]!["activities"]!.GetValue<int>().Should().Be(kfc["totals"]!["byTeam"]![team]!["activities"]!.GetValue<int>());
        listed["totals"]!["activities"]!.GetValue<int>().Should().Be(kfc["totals"]!["total"]!["activities"]!.GetValue<int>());
        listed["profile"]!["nameZh"]!.GetValue<string>().Should().Contain("肯德基");

        var unknown = await _client.GetAsync("/api/enterprises?teamId=no-such-team");
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknown.ProblemFields()).Should().Equal("teamId");
    }

    [Fact]
    public async Task A_resend_with_the_same_id_succeeds_and_counts_once_and_a_changed_resend_gets_409()
    {
        var activity = Activity(RedPomegranate, residents: 5);
        (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        var afterFirst = await TeamActivities(RedPomegranate);

        var again = await _client.PostActivity(activity);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        again.Headers.Location!.ToString().Should().Be($"/api/activities/{activity.Id}");
        (await TeamActivities(RedPomegranate)).Should().Be(afterFirst);

        var changed = await _client.PostActivity(activity with { Title = "另一次活动" });
        changed.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await changed.ProblemFields()).Should().Equal("id");
        (await TeamActivities(RedPomegranate)).Should().Be(afterFirst);
    }

    public static TheoryData<string, string> BadFields() => new()
    {
        { "id", "null" },
        { "id", "\"00000000-0000-0000-0000-000000000000\"" },
        { "teamId", "\"no-such-team\"" },
        { "teamId", "null" },
        { "occurredAt", "\"2019-12-31T10:00:00+08:00\"" },
        { "occurredAt", "\"2099-01-01T10:00:00+08:00\"" },
        { "occurredAt", "\"2026-11-20T10:00:00\"" },
        { "occurredAt", "\"yesterday\"" },
        { "domain", "\"space-exploration\"" },
        { "district", "\"beijing\"" },
        { "title", "\"   \"" },
        { "title", $"\"{new string('长', 201)}\"" },
        { "description", $"\"{new string('x', 4001)}\"" },
        { "participants", "-1" },
        { "participants", "\"many\"" },
        { "outcomes.residentsServed", "-5" },
        { "outcomes.problemsSolved", "2000000" },
        { "outcomes.householdsVisited", "1.5" },
        { "partners[0]", "\"no-such-enterprise\"" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task Bad_input_gets_400_naming_the_field_stores_nothing_and_the_service_keeps_serving(string field, string badJson)
    {
        var activity = Activity(KeyEnterprises, domain: "industry");
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Body(activity)))!.AsObject();
        var path = field.Replace("[0]", "").Split('.');
        var target = path.Length == 2 ? body[path[0]]!.AsObject() : body;
        var value = JsonNode.Parse(badJson);
        target[path[^1]] = field.EndsWith("[0]", StringComparison.Ordinal) ? new JsonArray(value) : value;
        var before = await TeamActivities(KeyEnterprises);

        var response = await _client.PostAsync("/api/activities", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Contain(field);
        (await TeamActivities(KeyEnterprises)).Should().Be(before);
        (await _client.GetAsync($"/api/activities/{activity.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.PostActivity(Activity(KeyEnterprises, domain: "industry"))).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Malformed_json_oversized_bodies_and_other_media_types_are_refused_with_problem_details()
    {
        var broken = await _client.PostAsync("/api/activities", new StringContent("{\"id\": ", Encoding.UTF8, "application/json"));
        broken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await broken.ProblemFields()).Should().Equal("body");

        var notAnObject = await _client.PostAsync("/api/activities", new StringContent("null", Encoding.UTF8, "application/json"));
        notAnObject.StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var huge = Body(Activity(RedPomegranate));
        huge["description"] = new string('x', 70_000);
        var tooLarge = await _client.PostAsJsonAsync("/api/activities", huge);
        tooLarge.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await tooLarge.ProblemFields()).Should().Equal("body");

        var text = await _client.PostAsync("/api/activities", new StringContent("title=hello", Encoding.UTF8, "text/plain"));
        text.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);

        (await _client.PostActivity(Activity(RedPomegranate))).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Unknown_teams_enterprises_and_activities_are_404_problem_details()
    {
        var team = await _client.GetAsync("/api/teams/no-such-team");
        team.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await team.ProblemFields()).Should().Equal("teamId");

        (await _client.GetAsync("/api/teams/no-such-team/activities")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetAsync("/api/enterprises/no-such-enterprise")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _client.GetAsync($"/api/activities/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var badId = await _client.GetAsync("/api/activities/not-a-guid");
        badId.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badId.ProblemFields()).Should().Equal("activityId");
    }

    [Fact]
    public async Task The_index_page_the_rosters_and_the_catalog_are_served()
    {
        var about = await _client.GetStringAsync("/about.html");
        about.Should().Contain("/api/board");
        (await _client.GetStringAsync("/")).Should().Contain("wall.js");
        (await _client.GetStringAsync("/wall?kiosk=1")).Should().Contain("wall.js");

        var teams = (await _client.GetJson("/api/teams")).AsArray();
        teams.Should().HaveCount(58);
        teams.Select(t => t!["profile"]!["nameZh"]!.GetValue<string>()).Should().Contain(["红石榴服务队", "滇池保护治理先锋服务队"]);
        teams.Count(t => t!["profile"]!["sample"]!.GetValue<bool>()).Should().Be(54);

        var enterprises = (await _client.GetJson("/api/enterprises")).AsArray();
        var kfc = enterprises.Single(e => e!["profile"]!["id"]!.GetValue<string>() == KfcCoffee)!;
        kfc["profile"]!["programmesZh"]!.AsArray().Select(p => p!.GetValue<string>()).Should().Contain("咖啡种子计划");

        var catalog = await _client.GetJson("/api/catalog");
        catalog["domains"]!.AsArray().Should().HaveCount(7);
        catalog["districts"]!.AsArray().Should().HaveCount(15);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/wall")]
    [InlineData("/api/board")]
    [InlineData("/api/teams/no-such-team")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        var response = await _client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline").And.NotContain("http");
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("no-referrer");
        response.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");
    }

    private Task<int> TeamActivities(string teamId) => _client.TeamActivities(teamId);
}
