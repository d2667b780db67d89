using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

/// <summary>GET /api/districts/{code} and /api/domains/{code}: a place's totals, its teams and its latest activities.</summary>
public sealed class PlacesApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncLifetime
{
    private HttpClient _admin = null!;
    private HttpClient _viewer = null!;

    public async Task InitializeAsync()
    {
        _admin = await factory.ClientAsync(Roles.Admin);
        _viewer = await factory.ClientAsync(Roles.Viewer);
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _viewer.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_district_adds_up_to_what_was_logged_there_by_team_and_lists_its_latest_activities()
    {
        const string district = "dongchuan";
        var before = await _viewer.GetJson($"/api/districts/{district}");
        var logged = new[]
        {
            Activity(Dianchi, occurredAt: BeijingNow.AddHours(-3), domain: "ecology", district: district, residents: 10, households: 2, title: "东川泥石流隐患排查"),
            Activity(Dianchi, occurredAt: BeijingNow.AddHours(-2), domain: "livelihood", district: district, residents: 20, households: 4, title: "东川易地搬迁回访"),
            Activity(RedPomegranate, occurredAt: BeijingNow.AddHours(-1), domain: "governance", district: district, residents: 7, households: 1, title: "东川民族团结宣讲"),
        };
        var elsewhere = Activity(Dianchi, district: "xishan", residents: 1000, title: "西山区的活动");
        foreach (var activity in logged.Append(elsewhere))
        {
            (await _admin.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var beforeActivities = Activities(before["totals"]!);
        var answer = await Poll.Until(async () =>
        {
            var now = await _viewer.GetJson($"/api/districts/{district}");
            return Activities(now["totals"]!) == beforeActivities + 3 ? now : null;
        });

        answer["code"]!.GetValue<string>().Should().Be(district);
        answer["nameZh"]!.GetValue<string>().Should().Be("东川区");
        answer["nameEn"]!.GetValue<string>().Should().Be("Dongchuan");
        Outcome(answer["totals"]!, "residentsServed").Should().Be(Outcome(before["totals"]!, "residentsServed") + 37);
        Outcome(answer["totals"]!, "householdsVisited").Should().Be(Outcome(before["totals"]!, "householdsVisited") + 7);

        // The teams' tallies there add up to the district's totals, biggest first.
        var teams = answer["teams"]!.AsArray();
        teams.Select(t => t!["teamId"]!.GetValue<string>()).Should().Contain([Dianchi, RedPomegranate]);
        teams.Sum(t => Activities(t!["tally"]!)).Should().Be(Activities(answer["totals"]!));
        teams.Sum(t => Outcome(t!["tally"]!, "residentsServed")).Should().Be(Outcome(answer["totals"]!, "residentsServed"));
        teams.Select(t => Activities(t!["tally"]!)).Should().BeInDescendingOrder();
        Activities(TeamIn(answer, Dianchi)["tally"]!).Should().Be(Activities(TeamInOrNull(before, Dianchi)?["tally"]) + 2);
        Activities(TeamIn(answer, RedPomegranate)["tally"]!).Should().Be(Activities(TeamInOrNull(before, RedPomegranate)?["tally"]) + 1);

        // The latest activities there, newest first, with their team's names; nothing from another district.
        var recent = answer["recent"]!.AsArray();
        var ids = recent.Select(f => Guid.Parse(f!["activity"]!["id"]!.GetValue<string>())).ToList();
        ids.Take(3).Should().Equal(Enumerable.Reverse(logged).Select(a => a.Id));
        ids.Should().NotContain(elsewhere.Id);
        recent.Should().OnlyContain(f => f!["activity"]!["district"]!.GetValue<string>() == district);
        recent.Select(f => DateTimeOffset.Parse(f!["activity"]!["occurredAt"]!.GetValue<string>())).Should().BeInDescendingOrder();
        recent[0]!["teamNameZh"]!.GetValue<string>().Should().Be(TeamIn(answer, RedPomegranate)["nameZh"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_domain_adds_up_to_what_was_logged_in_it()
    {
        const string domain = "investment";
        using var leader = await factory.ClientAsync(Roles.Leader, KeyEnterprises);
        var before = await _admin.GetJson($"/api/domains/{domain}");
        var mine = Activity(KeyEnterprises, domain: domain, district: "anning", residents: 0, households: 0, title: "安宁产业园招商对接");
        var other = Activity(Dianchi, domain: domain, district: "jinning", residents: 5, households: 0, title: "晋宁文旅项目招商");
        (await leader.PostActivity(mine)).StatusCode.Should().Be(HttpStatusCode.Created);
        (await _admin.PostActivity(other)).StatusCode.Should().Be(HttpStatusCode.Created);
        (await _admin.PostActivity(Activity(Dianchi, domain: "ecology", title: "另一个领域"))).StatusCode.Should().Be(HttpStatusCode.Created);

        var answer = await Poll.Until(async () =>
        {
            var now = await _viewer.GetJson($"/api/domains/{domain}");
            return Activities(now["totals"]!) == Activities(before["totals"]!) + 2 ? now : null;
        });

        answer["nameZh"]!.GetValue<string>().Should().Be("招商引资");
        Outcome(answer["totals"]!, "residentsServed").Should().Be(Outcome(before["totals"]!, "residentsServed") + 5);
        var teams = answer["teams"]!.AsArray();
        teams.Sum(t => Activities(t!["tally"]!)).Should().Be(Activities(answer["totals"]!));
        Activities(TeamIn(answer, KeyEnterprises)["tally"]!).Should().Be(Activities(TeamInOrNull(before, KeyEnterprises)?["tally"]) + 1);
        Activities(TeamIn(answer, Dianchi)["tally"]!).Should().Be(Activities(TeamInOrNull(before, Dianchi)?["tally"]) + 1);
        var ids = answer["recent"]!.AsArray().Select(f => Guid.Parse(f!["activity"]!["id"]!.GetValue<string>())).ToList();
        ids.Should().Contain([mine.Id, other.Id]);
        answer["recent"]!.AsArray().Should().OnlyContain(f => f!["activity"]!["domain"]!.GetValue<string>() == domain);
    }

    [Fact]
    public async Task A_place_lists_its_latest_activities_even_when_one_team_logged_most_of_them()
    {
        // Nothing else is logged in Shilin: the busy team's 15 and the other team's older one are all there is.
        const string district = "shilin";
        var busy = Enumerable.Range(1, 15)
            .Select(i => Activity(Dianchi, occurredAt: BeijingNow.AddMinutes(-i), district: district, title: $"石林第{i}次走访"))
            .ToList();
        var older = Activity(RedPomegranate, occurredAt: BeijingNow.AddHours(-2), district: district, title: "石林民族团结宣讲");
        foreach (var activity in busy.Append(older))
        {
            (await _admin.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var answer = await Poll.Until(async () =>
        {
            var now = await _viewer.GetJson($"/api/districts/{district}");
            return Activities(now["totals"]!) == 16 ? now : null;
        });

        var ids = answer["recent"]!.AsArray().Select(f => Guid.Parse(f!["activity"]!["id"]!.GetValue<string>())).ToList();
        ids.Should().Equal(busy.Select(a => a.Id).Append(older.Id), "all 16 are among the district's latest 20, newest first");

        var voided = busy[0];
        var voiding = new HttpRequestMessage(HttpMethod.Delete, $"/api/activities/{voided.Id}") { Content = JsonContent.Create(new { reason = "重复登记" }) };
        (await _admin.SendAsync(voiding)).StatusCode.Should().Be(HttpStatusCode.OK);
        var after = await Poll.Until(async () =>
        {
            var now = await _viewer.GetJson($"/api/districts/{district}");
            return Activities(now["totals"]!) == 15 ? now : null;
        });
        after["recent"]!.AsArray().Select(f => Guid.Parse(f!["activity"]!["id"]!.GetValue<string>()))
            .Should().Equal(busy.Skip(1).Select(a => a.Id).Append(older.Id), "a voided activity is no longer listed");
    }

    [Theory]
    [InlineData("/api/districts/atlantis")]
    [InlineData("/api/districts/XISHAN")]
    [InlineData("/api/domains/space")]
    public async Task An_unknown_code_is_a_404_naming_the_field(string path)
    {
        var response = await _viewer.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ProblemFields()).Should().Equal("code");
    }

    [Theory]
    [InlineData("/api/districts/xishan")]
    [InlineData("/api/domains/ecology")]
    public async Task A_wall_may_not_read_a_place_and_nobody_signed_out_may(string path)
    {
        using var wall = await factory.ClientAsync(Roles.Wall);
        var refused = await wall.GetAsync(path);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");

        using var anonymous = factory.NewClient();
        (await anonymous.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        (await leader.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static int Activities(JsonNode? tally) => tally?["activities"]?.GetValue<int>() ?? 0;

    private static int Outcome(JsonNode tally, string name) => tally["outcomes"]![name]!.GetValue<int>();

    private static JsonNode? TeamInOrNull(JsonNode answer, string teamId) =>
        answer["teams"]!.AsArray().FirstOrDefault(t => t!["teamId"]!.GetValue<string>() == teamId);

    private static JsonNode TeamIn(JsonNode answer, string teamId) =>
        TeamInOrNull(answer, teamId) ?? throw new InvalidOperationException($"{teamId} is not among the place's teams.");
}
