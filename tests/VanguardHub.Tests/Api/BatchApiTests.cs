using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

/// <summary>POST /api/activities/batch: many activities in one request, as a phone's outbox sends what it saved offline.</summary>
public sealed class BatchApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private const string BatchUrl = "/api/activities/batch";

    private static object BatchOf(IEnumerable<ActivityRecord> activities) => new { activities = activities.Select(Body).ToArray() };

    private static async Task<IReadOnlyList<(Guid Id, int Status, string Location, long? Sequence, JsonNode? Problem)>> Results(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.Json())["results"]!.AsArray().Select(r => (
            r!["id"]!.GetValue<Guid>(), r["status"]!.GetValue<int>(), r["location"]!.GetValue<string>(), r["sequence"]?.GetValue<long>(), r["problem"]))];
    }

    [Fact]
    public async Task A_leaders_batch_is_stored_whole_and_each_activity_is_answered_in_order_as_a_single_post_would_be()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        using var admin = await factory.ClientAsync(Roles.Admin);
        var before = await admin.TeamActivities(Dianchi);
        var batch = Enumerable.Range(0, 6)
            .Select(i => Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i), domain: i % 2 == 0 ? "ecology" : "livelihood", residents: 10 + i, partners: i == 3 ? [KfcCoffee] : []))
            .ToList();

        var results = await Results(await leader.PostAsJsonAsync(BatchUrl, BatchOf(batch)));

        results.Select(r => r.Id).Should().Equal(batch.Select(a => a.Id));
        results.Should().OnlyContain(r => r.Status == 201 && r.Problem == null);
        results.Select(r => r.Location).Should().Equal(batch.Select(a => $"/api/activities/{a.Id}"));
        foreach (var (activity, result) in batch.Zip(results))
        {
            var stored = await admin.GetJson($"/api/activities/{activity.Id}");
            stored["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(activity.Outcomes.ResidentsServed);
            stored["sequence"]!.GetValue<long>().Should().Be(result.Sequence);
            stored["recordedBy"]!.GetValue<string>().Should().StartWith("token:");
        }

        (await admin.TeamActivities(Dianchi)).Should().Be(before + 6);
        var board = await Poll.Until(async () => await admin.GetJson("/api/board") is var b
            && b["recent"]!.AsArray().Any(f => f!["activity"]!["id"]!.GetValue<Guid>() == batch[0].Id) ? b : null);
        board.Should().NotBeNull();
    }

    [Fact]
    public async Task A_resent_batch_is_answered_200_for_each_and_counts_nothing_again_and_a_changed_one_gets_409_for_that_activity_only()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, KeyEnterprises);
        var batch = Enumerable.Range(0, 3).Select(i => Activity(KeyEnterprises, residents: i)).ToList();
        (await Results(await leader.PostAsJsonAsync(BatchUrl, BatchOf(batch)))).Should().OnlyContain(r => r.Status == 201);
        var after = await leader.TeamActivities(KeyEnterprises);

        (await Results(await leader.PostAsJsonAsync(BatchUrl, BatchOf(batch)))).Select(r => r.Status).Should().Equal(200, 200, 200);
        var fresh = Activity(KeyEnterprises, residents: 9);
        var mixed = await Results(await leader.PostAsJsonAsync(BatchUrl, BatchOf([batch[0], batch[1] with { Title = "同一编号的另一次活动" }, fresh])));

        mixed.Select(r => r.Status).Should().Equal(200, 409, 201);
        mixed[1].Sequence.Should().BeNull();
        mixed[0].Sequence.Should().NotBeNull();
        mixed[1].Problem!["field"]!.GetValue<string>().Should().Be("activities[1].id");
        mixed[1].Problem!["title"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
        (await leader.TeamActivities(KeyEnterprises)).Should().Be(after + 1);
        (await leader.GetJson($"/api/activities/{batch[1].Id}"))["title"]!.GetValue<string>().Should().Be(batch[1].Title);
    }

    public static TheoryData<string, string> BadBatches() => new()
    {
        { """{"activities":[]}""", "activities" },
        { """{"activities":null}""", "activities" },
        { "{}", "activities" },
        { """{"activities":[null]}""", "activities[0]" },
        { """{"activities":[{"id":"not-a-guid"}]}""", "activities[0].id" },
        { """{"activities":[{"outcomes":{"residentsServed":"5"}}]}""", "activities[0].outcomes.residentsServed" },
        { """{"activity":[]}""", "activity" },
        { "[]", "body" },
        { "not json", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_malformed_batch_gets_400_naming_the_field(string body, string field)
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);

        var response = await leader.PostAsync(BatchUrl, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Contain(field);
    }

    [Fact]
    public async Task One_wrong_activity_refuses_the_whole_batch_by_its_index_and_nothing_is_stored()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, RedPomegranate);
        var before = await leader.TeamActivities(RedPomegranate);
        var good = Activity(RedPomegranate);
        var body = new { activities = new object[] { Body(good), Body(Activity(RedPomegranate)), Body(Activity(RedPomegranate, domain: "space-exploration")) } };

        var response = await leader.PostAsJsonAsync(BatchUrl, body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Equal("activities[2].domain");
        (await leader.GetAsync($"/api/activities/{good.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await leader.TeamActivities(RedPomegranate)).Should().Be(before);
    }

    [Fact]
    public async Task More_than_the_most_a_batch_may_carry_is_refused_and_nothing_is_stored()
    {
        using var admin = await factory.ClientAsync(Roles.Admin);
        var batch = Enumerable.Range(0, 101).Select(_ => Activity(Dianchi)).ToList();

        var response = await admin.PostAsJsonAsync(BatchUrl, BatchOf(batch));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Equal("activities");
        (await admin.GetAsync($"/api/activities/{batch[0].Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_leaders_batch_naming_another_team_gets_403_for_that_activity_and_nothing_is_stored()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        var own = Activity(Dianchi);

        var response = await leader.PostAsJsonAsync(BatchUrl, BatchOf([own, Activity(RedPomegranate)]));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.ProblemFields()).Should().Equal("activities[1].teamId");
        (await leader.GetAsync($"/api/activities/{own.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_admins_batch_may_span_teams()
    {
        using var admin = await factory.ClientAsync(Roles.Admin);
        var batch = new[] { Activity(Dianchi), Activity(RedPomegranate), Activity(Dianchi) };

        var results = await Results(await admin.PostAsJsonAsync(BatchUrl, BatchOf(batch)));

        results.Select(r => (r.Id, r.Status)).Should().Equal(batch.Select(a => (a.Id, 201)));
        (await admin.GetJson($"/api/activities/{batch[1].Id}"))["teamId"]!.GetValue<string>().Should().Be(RedPomegranate);
    }
}

/// <summary>The write limit counts activities, not requests: a batch costs what its activities would cost one by one.</summary>
public sealed class WriteLimitTests : IClassFixture<WriteLimitTests.LimitedDashboard>
{
    private readonly LimitedDashboard _factory;

    public WriteLimitTests(LimitedDashboard factory) => _factory = factory;

    /// <summary>Ten writes at once, then one a second.</summary>
    public sealed class LimitedDashboard : DashboardFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Security:WritesPerSecond", "1");
            builder.UseSetting("Security:WriteBurst", "10");
        }
    }

    [Fact]
    public async Task A_batch_spends_one_write_per_activity_and_past_the_limit_gets_429_with_a_retry_time_and_stores_nothing()
    {
        using var leader = await _factory.ClientAsync(Roles.Leader, Dianchi);
        var first = Enumerable.Range(0, 8).Select(_ => Activity(Dianchi)).ToList();
        (await leader.PostAsJsonAsync("/api/activities/batch", new { activities = first.Select(Body) })).StatusCode.Should().Be(HttpStatusCode.OK);

        var second = Enumerable.Range(0, 10).Select(_ => Activity(Dianchi)).ToList();
        var refused = await leader.PostAsJsonAsync("/api/activities/batch", new { activities = second.Select(Body) });

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        refused.Headers.RetryAfter.Should().NotBeNull();
        (await leader.GetAsync($"/api/activities/{second[0].Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await leader.TeamActivities(Dianchi)).Should().Be(8);

        // Single writes draw on the same allowance.
        var singles = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            singles.Add((await leader.PostActivity(Activity(Dianchi))).StatusCode);
        }

        singles.Should().Contain(HttpStatusCode.TooManyRequests);
    }
}
