using System.Net;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

public sealed class TimelineApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncLifetime
{
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await factory.ClientAsync(Roles.Admin);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_timeline_filters_by_beijing_dates_and_domain_and_pages_newest_first()
    {
        const string team = "southernmost-kunming";
        var days = Enumerable.Range(1, 10).Select(d => new DateTimeOffset(2026, 3, d, 23, 30, 0, BeijingTime.Offset)).ToList();
        foreach (var (day, i) in days.Select((d, i) => (d, i)))
        {
            var response = await _client.PostActivity(Activity(team, occurredAt: day, domain: i % 2 == 0 ? "urban" : "investment", district: "mohan", title: $"磨憨规划 {i + 1}"));
            response.StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var page1 = await _client.GetJson($"/api/teams/{team}/activities?pageSize=4");
        page1["total"]!.GetValue<int>().Should().Be(10);
        page1["items"]!.AsArray().Select(a => a!["title"]!.GetValue<string>()).Should().Equal("磨憨规划 10", "磨憨规划 9", "磨憨规划 8", "磨憨规划 7");
        var page3 = await _client.GetJson($"/api/teams/{team}/activities?pageSize=4&page=3");
        page3["items"]!.AsArray().Select(a => a!["title"]!.GetValue<string>()).Should().Equal("磨憨规划 2", "磨憨规划 1");

        // 23:30 in Kunming is 15:30 UTC the same day: a Beijing date range takes the whole Beijing day.
        var range = await _client.GetJson($"/api/teams/{team}/activities?from=2026-03-03&to=2026-03-05");
        range["items"]!.AsArray().Select(a => a!["title"]!.GetValue<string>()).Should().Equal("磨憨规划 5", "磨憨规划 4", "磨憨规划 3");

        var urban = await _client.GetJson($"/api/teams/{team}/activities?domain=urban&to=2026-03-06");
        urban["total"]!.GetValue<int>().Should().Be(3);
        urban["items"]!.AsArray().Should().OnlyContain(a => a!["domain"]!.GetValue<string>() == "urban");
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=1000", "pageSize")]
    [InlineData("pageSize=abc", "pageSize")]
    [InlineData("from=03/01/2026", "from")]
    [InlineData("from=2026-03-05&to=2026-03-01", "to")]
    [InlineData("domain=space", "domain")]
    public async Task Bad_timeline_queries_get_400_naming_the_parameter(string query, string field)
    {
        var response = await _client.GetAsync($"/api/teams/{RedPomegranate}/activities?{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Contain(field);
    }

    [Fact]
    public async Task The_consistency_check_finds_the_aggregates_equal_to_the_log()
    {
        for (var i = 0; i < 5; i++)
        {
            (await _client.PostActivity(Activity(Dianchi, domain: "ecology", residents: i, partners: [Yuneng]))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        // Asked at once: the board takes each team's report a moment after the 201, and the check waits for that.
        var report = await _client.GetJson("/api/admin/consistency");
        report["consistent"]!.GetValue<bool>().Should().BeTrue(report.ToJsonString());
        report["storedActivities"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(5);

        var rebuilt = await _client.PostAsync("/api/admin/rebuild", null);
        rebuilt.StatusCode.Should().Be(HttpStatusCode.OK);
        (await rebuilt.Json())["consistent"]!.GetValue<bool>().Should().BeTrue();
    }
}
