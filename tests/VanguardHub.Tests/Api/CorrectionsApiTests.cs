using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

/// <summary>Corrections: a revision replaces an activity's figures exactly, a void takes them away, and the history keeps every step.</summary>
public sealed class CorrectionsApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public async Task A_revision_replaces_the_figures_everywhere_and_a_void_takes_them_back_exactly()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        using var admin = await factory.ClientAsync(Roles.Admin);
        (await leader.PostActivity(Activity(Dianchi, residents: 7))).StatusCode.Should().Be(HttpStatusCode.Created);
        await Poll.Until(async () =>
        {
            var check = await admin.GetJson("/api/admin/consistency");
            return check["boardActivities"]!.GetValue<long>() == check["storedActivities"]!.GetValue<long>();
        });
        var before = await Figures(admin);

        var original = Activity(Dianchi, residents: 10, households: 4, partners: [KfcCoffee], title: "滇池岸线巡查");
        (await leader.PostActivity(original)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Expect(admin, before with { Activities = before.Activities + 1, Residents = before.Residents + 10, BoardActivities = before.BoardActivities + 1, KfcActivities = before.KfcActivities + 1 });

        // The leader corrects the count and drops the partner: the team, the board and the enterprise follow.
        var corrected = original with { Outcomes = original.Outcomes with { ResidentsServed = 25 }, Partners = [], Title = "滇池岸线巡查（更正）" };
        var revised = await leader.PutAsJsonAsync($"/api/activities/{original.Id}", Body(corrected));
        revised.StatusCode.Should().Be(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        var revision = await revised.Json();
        revision["revision"]!.GetValue<int>().Should().Be(1);
        revision["recordedBy"]!.GetValue<string>().Should().StartWith("token:");
        await Expect(admin, before with { Activities = before.Activities + 1, Residents = before.Residents + 25, BoardActivities = before.BoardActivities + 1 });

        // Sent twice from a phone on a weak network: one revision.
        (await leader.PutAsJsonAsync($"/api/activities/{original.Id}", Body(corrected))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await admin.GetJson($"/api/activities/{original.Id}"))["title"]!.GetValue<string>().Should().Be("滇池岸线巡查（更正）");
        var timeline = (await admin.GetJson($"/api/teams/{Dianchi}/activities?pageSize=200"))["items"]!.AsArray();
        timeline.Where(i => i!["id"]!.GetValue<Guid>() == original.Id).Should().ContainSingle()
            .Which!["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(25);

        // Voided: back to exactly where the team stood before it was logged.
        var voided = await leader.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/activities/{original.Id}")
        {
            Content = JsonContent.Create(new { reason = "重复登记" }),
        });
        voided.StatusCode.Should().Be(HttpStatusCode.OK);
        (await voided.Json())["voided"]!.GetValue<bool>().Should().BeTrue();
        await Expect(admin, before);
        (await admin.GetJson($"/api/teams/{Dianchi}/activities?pageSize=200"))["items"]!.AsArray()
            .Should().NotContain(i => i!["id"]!.GetValue<Guid>() == original.Id);

        // The phone that never saw the first 201 resends the original: still nothing counted.
        (await leader.PostActivity(original)).StatusCode.Should().Be(HttpStatusCode.OK);
        await Expect(admin, before);
        (await leader.PutAsJsonAsync($"/api/activities/{original.Id}", Body(corrected))).StatusCode.Should().Be(HttpStatusCode.Conflict);

        var history = (await admin.GetJson($"/api/activities/{original.Id}/revisions")).AsArray();
        history.Select(h => h!["revision"]!.GetValue<int>()).Should().Equal(0, 1, 2);
        history[1]!["changed"]!.AsArray().Select(c => c!.GetValue<string>()).Should().BeEquivalentTo("title", "outcomes", "partners");
        history[2]!["voided"]!.GetValue<bool>().Should().BeTrue();
        history[2]!["voidReason"]!.GetValue<string>().Should().Be("重复登记");
        history.Should().OnlyContain(h => h!["by"]!.GetValue<string>().StartsWith("token:"));

        var consistency = await admin.GetJson("/api/admin/consistency");
        consistency["consistent"]!.GetValue<bool>().Should().BeTrue(consistency.ToJsonString());
    }

    [Fact]
    public async Task A_leader_cannot_correct_or_void_another_teams_activity()
    {
        using var owner = await factory.ClientAsync(Roles.Leader, RedPomegranate);
        using var other = await factory.ClientAsync(Roles.Leader, KeyEnterprises);
        using var viewer = await factory.ClientAsync(Roles.Viewer);
        var activity = Activity(RedPomegranate, residents: 12);
        (await owner.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);

        var edited = await other.PutAsJsonAsync($"/api/activities/{activity.Id}", Body(activity with { Title = "篡改" }));
        edited.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var voided = await other.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/activities/{activity.Id}") { Content = JsonContent.Create(new { reason = "x" }) });
        voided.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await viewer.PutAsJsonAsync($"/api/activities/{activity.Id}", Body(activity with { Title = "篡改" }))).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var stored = await viewer.GetJson($"/api/activities/{activity.Id}");
        stored["title"]!.GetValue<string>().Should().Be(activity.Title);
        stored["revision"]!.GetValue<int>().Should().Be(0);
    }

    [Fact]
    public async Task Corrections_are_checked_like_new_activities_and_keep_their_team_and_month()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, KeyEnterprises);
        var activity = Activity(KeyEnterprises, occurredAt: BeijingNow.AddDays(-1));
        (await leader.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);

        async Task<IReadOnlyList<string>> Refused(ActivityRecord body, HttpStatusCode status = HttpStatusCode.BadRequest)
        {
            var response = await leader.PutAsJsonAsync($"/api/activities/{activity.Id}", Body(body));
            response.StatusCode.Should().Be(status);
            return await response.ProblemFields();
        }

        (await Refused(activity with { Outcomes = activity.Outcomes with { ResidentsServed = -1 } })).Should().Equal("outcomes.residentsServed");
        (await Refused(activity with { OccurredAt = activity.OccurredAt.AddDays(-40) })).Should().Equal("occurredAt");
        (await Refused(activity with { TeamId = Dianchi })).Should().Equal("teamId");
        (await Refused(activity with { Id = Guid.NewGuid() })).Should().Equal("id");
        var unknown = await leader.PutAsJsonAsync($"/api/activities/{Guid.NewGuid()}", Body(activity));
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the body's id is not the address's");
        var missing = await leader.PutAsJsonAsync($"/api/activities/{Guid.NewGuid()}", Body(activity) .Where(kv => kv.Key != "id").ToDictionary());
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var noReason = await leader.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/activities/{activity.Id}") { Content = JsonContent.Create(new { reason = " " }) });
        (await noReason.ProblemFields()).Should().Equal("reason");
        (await leader.GetJson($"/api/activities/{activity.Id}"))["revision"]!.GetValue<int>().Should().Be(0);
    }

    [Fact]
    public async Task Verified_figures_stand_beside_reported_ones_and_approving_never_reorders_the_race()
    {
        const string team = "southernmost-kunming";
        using var leader = await factory.ClientAsync(Roles.Leader, team);
        using var admin = await factory.ClientAsync(Roles.Admin);
        var activities = new[] { Activity(team, residents: 5), Activity(team, residents: 7), Activity(team, residents: 11) };
        foreach (var activity in activities)
        {
            (await leader.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var rankBefore = await RankOf(admin, team, activities.Length);
        (await leader.PostAsync($"/api/activities/{activities[0].Id}/verify", null)).StatusCode.Should().Be(HttpStatusCode.Forbidden, "leaders report, admins verify");

        var one = await admin.PostAsync($"/api/activities/{activities[0].Id}/verify", null);
        one.StatusCode.Should().Be(HttpStatusCode.OK);
        (await one.Json())["verifiedBy"]!.GetValue<string>().Should().StartWith("token:");
        var unknown = Guid.NewGuid();
        var bulk = await (await admin.PostAsJsonAsync("/api/activities/verify", new { ids = new[] { activities[0].Id, activities[1].Id, activities[2].Id, unknown } })).Json();
        bulk["verified"]!.AsArray().Select(i => i!.GetValue<Guid>()).Should().BeEquivalentTo([activities[1].Id, activities[2].Id]);
        bulk["alreadyVerified"]!.AsArray().Select(i => i!.GetValue<Guid>()).Should().Equal(activities[0].Id);
        bulk["notFound"]!.AsArray().Select(i => i!.GetValue<Guid>()).Should().Equal(unknown);
        var audit = (await admin.GetJson("/api/audit?limit=200")).AsArray()
            .Where(e => e!["action"]!.GetValue<string>() == "activities.verify")
            .Select(e => e!["target"]!.GetValue<string>());
        audit.Should().Contain([$"activity {activities[0].Id}", "2 activities"], "an admin's verifications, one or many, are on the audit log");

        var aggregates = (await admin.GetJson($"/api/teams/{team}"))["aggregates"]!;
        aggregates["total"]!["activities"]!.GetValue<int>().Should().Be(3);
        aggregates["verified"]!["activities"]!.GetValue<int>().Should().Be(3);
        aggregates["verified"]!["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(23);
        JsonNode? entry = null;
        await Poll.Until(async () => (entry = await LeaderboardEntry(admin, team))!["verified"]!["activities"]!.GetValue<int>() == 3);
        entry!["tally"]!["activities"]!.GetValue<int>().Should().Be(3);
        entry["rank"]!.GetValue<int>().Should().Be(rankBefore, "the race ranks by what is reported");
        (await admin.GetJson("/api/board"))["verified"]!["activities"]!.GetValue<int>().Should().BeGreaterThanOrEqualTo(3);

        // New figures are unchecked figures: a correction clears the mark, and the history says who did what.
        var corrected = activities[2] with { Outcomes = activities[2].Outcomes with { ResidentsServed = 12 } };
        (await leader.PutAsJsonAsync($"/api/activities/{corrected.Id}", Body(corrected))).StatusCode.Should().Be(HttpStatusCode.OK);
        aggregates = (await admin.GetJson($"/api/teams/{team}"))["aggregates"]!;
        aggregates["verified"]!["activities"]!.GetValue<int>().Should().Be(2);
        aggregates["verified"]!["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(12);
        aggregates["total"]!["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(24);
        var history = (await admin.GetJson($"/api/activities/{corrected.Id}/revisions")).AsArray();
        history.Select(h => h!["changed"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray()).Should()
            .BeEquivalentTo(new[] { Array.Empty<string>(), ["verified"], new[] { "outcomes", "verified" } }, o => o.WithStrictOrdering());
        (await admin.GetJson("/api/admin/consistency"))["consistent"]!.GetValue<bool>().Should().BeTrue();
    }

    private static async Task<JsonNode?> LeaderboardEntry(HttpClient client, string team) =>
        (await client.GetJson("/api/board"))["leaderboard"]!.AsArray().Single(e => e!["teamId"]!.GetValue<string>() == team);

    private static async Task<int> RankOf(HttpClient client, string team, int activities)
    {
        JsonNode? entry = null;
        await Poll.Until(async () => (entry = await LeaderboardEntry(client, team))!["tally"]!["activities"]!.GetValue<int>() == activities);
        return entry!["rank"]!.GetValue<int>();
    }

    /// <summary>The team at once; the board (it publishes on a timer) and the enterprise (told after the answer) within moments.</summary>
    private static async Task Expect(HttpClient client, TeamFigures expected)
    {
        var seen = await Figures(client);
        await Poll.Until(async () => (seen = await Figures(client)) == expected);
        seen.Should().Be(expected);
    }

    private sealed record TeamFigures(int Activities, int Residents, int BoardActivities, int KfcActivities);

    /// <summary>Dianchi's figures, the board's total and the KFC space's.</summary>
    private static async Task<TeamFigures> Figures(HttpClient client)
    {
        var team = (await client.GetJson($"/api/teams/{Dianchi}"))["aggregates"]!["total"]!;
        var kfc = await client.GetJson($"/api/enterprises/{KfcCoffee}");
        return new TeamFigures(
            team["activities"]!.GetValue<int>(),
            team["outcomes"]!["residentsServed"]!.GetValue<int>(),
            await client.BoardActivities(),
            kfc["totals"]!["total"]!["activities"]!.GetValue<int>());
    }
}
