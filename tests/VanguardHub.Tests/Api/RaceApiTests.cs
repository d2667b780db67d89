using System.Net;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

public sealed class RaceApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncLifetime
{
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await factory.ClientAsync(Roles.Admin);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_race_is_fair_per_member_and_shows_this_month_against_last_month()
    {
        // Moments in the past but within this Beijing month, however early in the month the test runs.
        var now = BeijingNow;
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, BeijingTime.Offset);
        var thisMonth = now.AddHours(-1) > monthStart ? now.AddHours(-1) : monthStart;
        var lastMonth = monthStart.AddMonths(-1).AddDays(3);

        // 17 members: 3 activities this month, 1 last month. 100 members: 4 this month.
        foreach (var occurredAt in new[] { thisMonth, thisMonth.AddSeconds(1), thisMonth.AddSeconds(2), lastMonth })
        {
            (await _client.PostActivity(Activity(RedPomegranate, occurredAt: occurredAt))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        for (var i = 0; i < 4; i++)
        {
            (await _client.PostActivity(Activity(KeyEnterprises, occurredAt: thisMonth.AddSeconds(i), domain: "industry"))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var board = await Poll.Until(async () => await _client.GetJson("/api/board") is var b && b["totals"]!["activities"]!.GetValue<int>() == 8 ? b : null);
        var entries = board["leaderboard"]!.AsArray().ToDictionary(e => e!["teamId"]!.GetValue<string>(), e => e!);

        entries[KeyEnterprises]["rank"]!.GetValue<int>().Should().Be(1, "more activities in total");
        entries[RedPomegranate]["perMember"]!.GetValue<double>().Should().BeApproximately(4 / 17.0, 0.001);
        entries[KeyEnterprises]["perMember"]!.GetValue<double>().Should().BeApproximately(4 / 100.0, 0.001);
        entries[RedPomegranate]["thisMonth"]!.GetValue<int>().Should().Be(3);
        entries[RedPomegranate]["lastMonth"]!.GetValue<int>().Should().Be(1);
        entries[KeyEnterprises]["thisMonth"]!.GetValue<int>().Should().Be(4);
        entries[KeyEnterprises]["lastMonth"]!.GetValue<int>().Should().Be(0);
    }

    [Fact]
    public async Task An_activity_logged_more_than_seven_days_late_is_marked_back_filled()
    {
        var late = Activity(Dianchi, occurredAt: BeijingNow.AddDays(-8), domain: "ecology");
        var prompt = Activity(Dianchi, occurredAt: BeijingNow.AddDays(-6), domain: "ecology");
        (await _client.PostActivity(late)).StatusCode.Should().Be(HttpStatusCode.Created);
        (await _client.PostActivity(prompt)).StatusCode.Should().Be(HttpStatusCode.Created);

        (await _client.GetJson($"/api/activities/{late.Id}"))["backFilled"]!.GetValue<bool>().Should().BeTrue();
        (await _client.GetJson($"/api/activities/{prompt.Id}"))["backFilled"]!.GetValue<bool>().Should().BeFalse();
    }
}
