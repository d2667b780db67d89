using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Security;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Wall;

public sealed class BoardHubTests(LiveDashboardFactory factory) : IClassFixture<LiveDashboardFactory>, IAsyncLifetime
{
    private HttpClient _client = null!;
    private readonly ConcurrentQueue<BoardSnapshot> _snapshots = new();
    private HubConnection _hub = null!;

    public async Task InitializeAsync()
    {
        _client = await factory.ClientAsync(Roles.Admin);
        _hub = await Viewer("/hubs/board");
        _hub.On<BoardSnapshot>("board", _snapshots.Enqueue);
        await _hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _client.Dispose();
    }

    /// <summary>A hub connection (not yet started) on a viewer's token.</summary>
    private async Task<HubConnection> Viewer(string path)
    {
        var viewer = await factory.Tokens.TokenAsync(Roles.Viewer);
        return new HubConnectionBuilder().WithUrl(new Uri(factory.Address, path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(viewer)).Build();
    }

    [Fact]
    public async Task A_logged_activity_is_pushed_in_a_newer_snapshot_at_the_top_of_its_feed()
    {
        var shown = await _hub.InvokeAsync<BoardSnapshot>("GetSnapshot");
        var activity = Activity(Dianchi, domain: "ecology", residents: 12, title: "蓝藻巡查");

        (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);

        var pushed = await Poll.Until(() => _snapshots.LastOrDefault(s => s.Recent.Any(f => f.Activity.Id == activity.Id)));
        pushed.Version.Should().BeGreaterThan(shown.Version);
        pushed.Totals.Activities.Should().Be(shown.Totals.Activities + 1);
        pushed.Recent[0].Activity.Title.Should().Be("蓝藻巡查");
        pushed.Recent[0].TeamNameZh.Should().Be("滇池保护治理先锋服务队");
    }

    [Fact]
    public async Task A_burst_of_500_activities_arrives_as_far_fewer_snapshots_ending_equal_to_the_board()
    {
        await Task.Delay(600); // let any earlier pushes settle before counting
        var before = (await _hub.InvokeAsync<BoardSnapshot>("GetSnapshot")).Totals.Activities;
        _snapshots.Clear();
        var teams = new[] { RedPomegranate, KeyEnterprises, Dianchi, "southernmost-kunming", "sample-01", "sample-02", "sample-03", "sample-04" };

        var burst = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForAsync(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var response = await _client.PostActivity(Activity(teams[i % teams.Length], residents: 1));
            response.StatusCode.Should().Be(HttpStatusCode.Created);
        });

        var last = await Poll.Until(() => _snapshots.LastOrDefault(s => s.Totals.Activities == before + 500));
        var seconds = burst.Elapsed.TotalSeconds;
        await Task.Delay(1000); // anything still on its way
        var board = JsonSerializer.Deserialize<BoardSnapshot>(await _client.GetStringAsync("/api/board"), ApiClient.Web)!;
        var pushes = _snapshots.Count;

        // At most Wall:MaxPushesPerSecond (4 by default) while the burst lasts, however slow the machine.
        pushes.Should().BeLessThan(250, "500 activities in a burst are coalesced into far fewer snapshots");
        pushes.Should().BeLessThanOrEqualTo((int)Math.Ceiling((seconds + 1) * 4) + 2);
        _snapshots.Last().Version.Should().Be(board.Version);
        _snapshots.Last().Totals.Should().Be(board.Totals);
        last.Totals.Activities.Should().Be(board.Totals.Activities);
        _snapshots.Select(s => s.Version).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task A_wall_that_asks_for_deltas_gets_the_changed_race_rows_and_feed_items_only()
    {
        await using var wall = await Viewer("/hubs/board?deltas=3");
        var deltas = new ConcurrentQueue<JsonElement>();
        var whole = new ConcurrentQueue<JsonElement>();
        wall.On<JsonElement>("boardDelta", deltas.Enqueue);
        wall.On<JsonElement>("board", whole.Enqueue);
        await wall.StartAsync();
        // Something changes first, so that this host has sent a snapshot the next push can be counted from.
        (await _client.PostActivity(Activity(KeyEnterprises, residents: 1))).StatusCode.Should().Be(HttpStatusCode.Created);
        await Task.Delay(600);
        var shown = await wall.InvokeAsync<BoardSnapshot>("GetSnapshot");
        var activity = Activity(Dianchi, domain: "ecology", residents: 12, title: "滇池巡查");

        (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);

        var delta = (await Poll.Until(() => deltas.Where(d => d.GetProperty("recentIds").EnumerateArray().Any(id => id.GetGuid() == activity.Id))
            .Select(d => new[] { d }).FirstOrDefault()))[0];
        delta.GetProperty("since").GetInt64().Should().BeGreaterThanOrEqualTo(shown.Version);
        // Tallies travel packed: activities, participants, then the outcomes (householdsVisited, residentsServed, ...).
        delta.GetProperty("totals")[0].GetInt32().Should().Be(shown.Totals.Activities + 1);
        delta.GetProperty("totals")[3].GetInt32().Should().Be(shown.Totals.Outcomes.ResidentsServed + 12);
        var rows = delta.GetProperty("leaderboard").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("teamId").GetString()).Should().Equal([Dianchi], "only rows whose figures changed travel; places come as ranked and gaps");
        delta.GetProperty("gaps").GetArrayLength().Should().Be(shown.Leaderboard.Length);
        // The same teams as before: the order travels as positions in their sorted ids.
        delta.TryGetProperty("order", out _).Should().BeFalse();
        delta.GetProperty("ranked").EnumerateArray().Select(p => p.GetInt32()).Should().BeEquivalentTo(Enumerable.Range(0, shown.Leaderboard.Length));
        var dianchi = rows.Single();
        dianchi.GetProperty("tally")[0].GetInt32().Should().Be(shown.Leaderboard.Single(e => e.TeamId == Dianchi).Tally.Activities + 1);
        dianchi.TryGetProperty("nameZh", out _).Should().BeFalse("a row's names travel only when they change");
        delta.GetProperty("recent").EnumerateArray().Select(f => f.GetProperty("id").GetGuid())
            .Should().Equal([activity.Id], "feed items the wall already has are named by id only");
        var item = delta.GetProperty("recent")[0];
        item.GetProperty("outcomes")[1].GetInt32().Should().Be(12, "outcomes travel packed, residentsServed second");
        item.TryGetProperty("teamNameZh", out _).Should().BeFalse("the wall has the team's names in the race");
        item.TryGetProperty("voided", out _).Should().BeFalse("fields at their defaults are left out");
        delta.GetProperty("recentIds")[0].GetGuid().Should().Be(activity.Id);
        delta.GetProperty("byDomain").EnumerateObject().Select(p => p.Name).Should().Equal(["ecology"]);

        // Whole-snapshot clients get the same version as a "board".
        var version = delta.GetProperty("version").GetInt64();
        await Poll.Until(() => Task.FromResult(_snapshots.Any(s => s.Version == version)));
        whole.Should().NotContain(s => s.GetProperty("version").GetInt64() == version);
    }

    [Fact]
    public async Task A_page_asking_for_the_earlier_delta_format_gets_whole_snapshots_it_can_read()
    {
        // A wall left open across an upgrade still runs the page that read tallies whole.
        await using var wall = await Viewer("/hubs/board?deltas=1");
        var deltas = new ConcurrentQueue<JsonElement>();
        var whole = new ConcurrentQueue<BoardSnapshot>();
        wall.On<JsonElement>("boardDelta", deltas.Enqueue);
        wall.On<BoardSnapshot>("board", whole.Enqueue);
        await wall.StartAsync();
        var first = Activity(KeyEnterprises, residents: 1);
        var second = Activity(Dianchi, residents: 2);

        (await _client.PostActivity(first)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Poll.Until(() => whole.FirstOrDefault(s => s.Recent.Any(f => f.Activity.Id == first.Id)));
        (await _client.PostActivity(second)).StatusCode.Should().Be(HttpStatusCode.Created);

        var pushed = await Poll.Until(() => whole.FirstOrDefault(s => s.Recent.Any(f => f.Activity.Id == second.Id)));
        pushed.Leaderboard.Single(e => e.TeamId == Dianchi).Tally.Activities.Should().BeGreaterThan(0);
        deltas.Should().BeEmpty("its page would read a packed tally as missing figures");
    }

    [Fact]
    public async Task A_client_watching_a_team_receives_that_teams_updates()
    {
        var summary = await _hub.InvokeAsync<TeamSummary>("WatchTeam", RedPomegranate);
        summary.Profile.Id.Should().Be(RedPomegranate);
        var updates = new ConcurrentQueue<TeamStanding>();
        using var subscription = _hub.On<TeamStanding>("team", updates.Enqueue);

        var activity = Activity(RedPomegranate, residents: 3);
        await _client.PostActivity(activity);

        var update = await Poll.Until(() => updates.FirstOrDefault(u => u.Recent.Any(a => a.Id == activity.Id)));
        update.TeamId.Should().Be(RedPomegranate);
        update.Aggregates.Total.Activities.Should().Be(summary.Aggregates.Total.Activities + 1);

        var unknown = () => _hub.InvokeAsync<TeamSummary>("WatchTeam", "no-such-team");
        await unknown.Should().ThrowAsync<HubException>();
    }
}
