using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Audit;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>The grains' invariants on SQLite (the default).</summary>
public sealed class ActivityLoggingOnSqliteTests : ActivityLoggingTests
{
    protected override Dictionary<string, string?> Engine() => [];
}

/// <summary>The same invariants on a real PostgreSQL server.</summary>
public sealed class ActivityLoggingOnPostgreSqlTests : ActivityLoggingTests
{
    protected override Dictionary<string, string?> Engine() => PostgresServer.StorageSettings();
}

public abstract class ActivityLoggingTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private GrainCluster _cluster = null!;

    /// <summary>The storage engine's settings.</summary>
    protected abstract Dictionary<string, string?> Engine();

    public async Task InitializeAsync() =>
        _cluster = await GrainCluster.StartAsync(_folder.Path, settings: new Dictionary<string, string?>(Engine()) { ["ActivityLog:ChunkCapacity"] = "8" });

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }

    private IServiceTeamGrain Team(string id) => _cluster.Grains.GetGrain<IServiceTeamGrain>(id);

    /// <summary>
    /// An enterprise's figures once they count this many activities: a team tells its enterprises just after it
    /// acknowledges a write, so they follow a moment later. Figures that never get there fail.
    /// </summary>
    /// <summary>Every write of an enterprise fails: its journal entries and its whole state.</summary>
    private static void FailEnterpriseWrites(GrainCluster cluster)
    {
        cluster.Storage.FailingStates["journal/enterprise"] = true;
        cluster.Storage.FailingStates["enterprise"] = true;
    }

    private static async Task<EnterpriseTotals> EnterpriseCounting(IGrainFactory grains, string enterprise, int activities)
    {
        var totals = EnterpriseTotals.Empty;
        await Poll.Until(async () => (totals = (await grains.GetGrain<IPartnerEnterpriseGrain>(enterprise).GetSummary()).Totals).Total.Activities == activities);
        return totals;
    }

    /// <summary>
    /// The check, once the board has taken in the teams' reports: teams hold their figures when a write is
    /// acknowledged, the board a moment later (teams report to it without waiting), and the check lets each team tell
    /// its enterprises what they have not yet heard of. A difference that stays fails.
    /// </summary>
    private async Task<ConsistencyReport> ConsistencyOnceReported()
    {
        var report = await _cluster.Grains.GetGrain<IConsistencyGrain>(0).Check();
        for (var i = 0; i < 50 && !report.Consistent; i++)
        {
            await Task.Delay(100);
            report = await _cluster.Grains.GetGrain<IConsistencyGrain>(0).Check();
        }

        return report;
    }

    [Fact]
    public async Task A_logged_activity_shows_in_the_teams_totals_its_domain_its_district_and_its_recent_list()
    {
        var activity = Activity(RedPomegranate, domain: "livelihood", district: "xishan", residents: 120, households: 40);

        var result = await Team(RedPomegranate).LogActivity(activity);

        result.Outcome.Should().Be(LogOutcome.Created);
        var summary = await Team(RedPomegranate).GetSummary();
        summary.Profile.NameZh.Should().Be("红石榴服务队");
        summary.Aggregates.Total.Activities.Should().Be(1);
        summary.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(120);
        summary.Aggregates.ByDomain["livelihood"].Outcomes.HouseholdsVisited.Should().Be(40);
        summary.Aggregates.ByDistrict["xishan"].Activities.Should().Be(1);
        summary.Aggregates.Daily.Should().ContainSingle(d => d.Day == BeijingTime.DayOf(activity.OccurredAt) && d.Tally.Activities == 1);
        summary.Recent.Should().ContainSingle(a => a.Id == activity.Id);
    }

    [Fact]
    public async Task A_resent_activity_counts_once_and_a_reused_id_with_other_content_is_refused()
    {
        var activity = Activity(RedPomegranate, residents: 7);

        (await Team(RedPomegranate).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        (await Team(RedPomegranate).LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
        (await Team(RedPomegranate).LogActivity(activity with { Outcomes = activity.Outcomes with { ResidentsServed = 8 } }))
            .Outcome.Should().Be(LogOutcome.IdConflict);
        (await Team(Dianchi).LogActivity(activity with { TeamId = Dianchi })).Outcome.Should().Be(LogOutcome.IdConflict);

        var summary = await Team(RedPomegranate).GetSummary();
        summary.Aggregates.Total.Activities.Should().Be(1);
        summary.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(7);
        (await Team(Dianchi).GetSummary()).Aggregates.Total.Activities.Should().Be(0);
    }

    [Fact]
    public async Task A_batch_is_stored_at_once_across_chunks_and_months_and_answered_in_its_order()
    {
        var earlier = Activity(Dianchi, residents: 2);
        (await Team(Dianchi).LogActivity(earlier)).Outcome.Should().Be(LogOutcome.Created);
        var fresh = Enumerable.Range(0, 20)
            .Select(i => Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i * 3), residents: i, partners: i % 4 == 0 ? [KfcCoffee] : []))
            .ToList();
        ActivityRecord[] batch = [fresh[0], earlier, .. fresh[1..], fresh[5] with { Title = "同一编号的另一次活动" }];

        var answers = await Team(Dianchi).LogActivities([.. batch]);

        answers.Select(a => a.Outcome).Should().Equal(
            [LogOutcome.Created, LogOutcome.AlreadyStored, .. Enumerable.Repeat(LogOutcome.Created, 19), LogOutcome.IdConflict]);
        answers.Select(a => a.Activity?.Id).Should().Equal(batch.Select(a => (Guid?)a.Id));
        var summary = await Team(Dianchi).GetSummary();
        summary.Aggregates.Total.Activities.Should().Be(21);
        summary.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(2 + fresh.Sum(a => a.Outcomes.ResidentsServed));
        (await EnterpriseCounting(_cluster.Grains, KfcCoffee, 5)).ByTeam[Dianchi].Activities.Should().Be(5);
        var report = await ConsistencyOnceReported();
        report.Differences.Should().BeEmpty();
        report.StoredActivities.Should().Be(21);
    }

    [Fact]
    public async Task A_batch_holding_another_teams_activity_is_refused_whole()
    {
        ActivityRecord[] batch = [Activity(Dianchi), Activity(RedPomegranate)];

        var log = () => Team(Dianchi).LogActivities([.. batch]);

        await log.Should().ThrowAsync<ArgumentException>();
        (await Team(Dianchi).GetSummary()).Aggregates.Total.Activities.Should().Be(0);
    }

    [Fact]
    public async Task Partner_enterprises_count_the_activities_that_involved_them_per_team()
    {
        await Team(KeyEnterprises).LogActivity(Activity(KeyEnterprises, domain: "industry", district: "anning", residents: 0, partners: [Yuneng]));
        await Team(KeyEnterprises).LogActivity(Activity(KeyEnterprises, domain: "industry", district: "anning", residents: 0, partners: [Yuneng, KfcCoffee]));
        await Team(RedPomegranate).LogActivity(Activity(RedPomegranate, residents: 30, partners: [KfcCoffee]));

        var yuneng = await EnterpriseCounting(_cluster.Grains, Yuneng, 2);
        yuneng.ByTeam.Should().ContainKey(KeyEnterprises).WhoseValue.Activities.Should().Be(2);
        yuneng.ByDomain["industry"].Activities.Should().Be(2);

        var kfc = await EnterpriseCounting(_cluster.Grains, KfcCoffee, 2);
        kfc.ByTeam.Keys.Should().BeEquivalentTo([KeyEnterprises, RedPomegranate]);
        kfc.Total.Outcomes.ResidentsServed.Should().Be(30);
    }

    [Fact]
    public async Task What_many_teams_tell_one_enterprise_at_about_the_same_time_is_stored_in_a_few_writes()
    {
        var teams = Enumerable.Range(1, 20).Select(i => $"sample-{i:00}").ToList();
        _cluster.Storage.Reset();

        var answers = await Task.WhenAll(teams.Select(team => Team(team).LogActivity(Activity(team, residents: 3, partners: [KfcCoffee]))));

        answers.Should().OnlyContain(a => a.Outcome == LogOutcome.Created);
        var kfc = await EnterpriseCounting(_cluster.Grains, KfcCoffee, 20);
        kfc.ByTeam.Keys.Should().BeEquivalentTo(teams);
        kfc.Total.Outcomes.ResidentsServed.Should().Be(60);
        _cluster.Storage.WritesByState["journal/enterprise"].Should().BeLessThanOrEqualTo(3, "twenty teams told it within moments of each other");
        _cluster.Storage.WritesByState.GetValueOrDefault("enterprise").Should().Be(0, "its whole state is written every sixteenth entry");
    }

    [Fact]
    public async Task The_city_board_sums_every_team_ranks_them_and_numbers_its_snapshots()
    {
        var board = _cluster.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key);
        var before = await board.GetSnapshot();

        await Team(Dianchi).LogActivity(Activity(Dianchi, domain: "ecology", district: "guandu", residents: 5));
        await Team(Dianchi).LogActivity(Activity(Dianchi, domain: "ecology", district: "xishan", residents: 5));
        await Team(RedPomegranate).LogActivity(Activity(RedPomegranate, residents: 50));
        var after = await Poll.Until(async () => await board.GetSnapshot() is { Totals.Activities: 3 } snapshot ? snapshot : null);

        after.Version.Should().BeGreaterThan(before.Version);
        after.Totals.Outcomes.ResidentsServed.Should().Be(60);
        after.ByDomain["ecology"].Activities.Should().Be(2);
        after.ByDistrict["xishan"].Activities.Should().Be(2);
        after.Leaderboard.Should().HaveCount(58);
        after.Leaderboard[0].TeamId.Should().Be(Dianchi);
        after.Leaderboard[1].TeamId.Should().Be(RedPomegranate);
        after.Recent.Should().HaveCount(3);
        after.Recent[0].TeamNameZh.Should().Be("红石榴服务队");
        after.Trend.Should().HaveCount(30);
        after.Trend[^1].Day.Should().Be(BeijingTime.DayOf(DateTimeOffset.UtcNow));
        after.Trend.Sum(d => d.Tally.Activities).Should().Be(3);
    }

    [Fact]
    public async Task The_log_is_split_into_bounded_chunks_per_month_and_the_timeline_pages_newest_first()
    {
        // Chunks hold 8 activities in this cluster: 20 in one month make three chunks, none over 8. The latest month's
        // chunk is written when it is full, until then its records are held by the team; an earlier month's at once.
        var october = new DateTimeOffset(2026, 10, 1, 9, 0, 0, BeijingTime.Offset);
        var logged = new List<ActivityRecord>();
        for (var i = 0; i < 20; i++)
        {
            var activity = Activity(Dianchi, occurredAt: october.AddHours(i * 5), domain: i % 4 == 0 ? "governance" : "ecology");
            logged.Add(activity);
            await Team(Dianchi).LogActivity(activity);
        }

        var september = Activity(Dianchi, occurredAt: new DateTimeOffset(2026, 9, 30, 23, 30, 0, BeijingTime.Offset));
        await Team(Dianchi).LogActivity(september);

        var chunkSizes = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            chunkSizes.Add((await _cluster.Grains.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(Dianchi, "202610", i)).GetActivities()).Length);
        }

        chunkSizes.Should().Equal(8, 8, 0);
        (await _cluster.Grains.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(Dianchi, "202609", 0)).GetActivities())
            .Should().ContainSingle(a => a.Id == september.Id, "a back-filled month's chunk is written with its batch");

        var firstPage = await Team(Dianchi).GetTimeline(new TimelineQuery { Page = 1, PageSize = 6 });
        firstPage.Total.Should().Be(21);
        firstPage.Items.Select(a => a.Id).Should().Equal(logged.OrderByDescending(a => a.OccurredAt).Take(6).Select(a => a.Id));

        var lastPage = await Team(Dianchi).GetTimeline(new TimelineQuery { Page = 4, PageSize = 6 });
        lastPage.Items.Select(a => a.Id).Should().Equal(
            logged.OrderByDescending(a => a.OccurredAt).Skip(18).Select(a => a.Id).Append(september.Id));

        var governanceInOctober = await Team(Dianchi).GetTimeline(new TimelineQuery
        {
            From = october,
            To = october.AddMonths(1),
            Domain = "governance",
            PageSize = 50,
        });
        governanceInOctober.Total.Should().Be(5);
        governanceInOctober.Items.Should().OnlyContain(a => a.Domain == "governance");

        var firstDay = await Team(Dianchi).GetTimeline(new TimelineQuery { From = october, To = october.AddDays(1).AddHours(-9) });
        firstDay.Items.Select(a => a.Id).Should().BeEquivalentTo(logged.Take(3).Select(a => a.Id));
    }

    [Fact]
    public async Task A_starting_board_takes_registrations_and_version_checks_at_once_and_answers_snapshots_only_with_every_team_counted()
    {
        var serviceId = $"board-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(Engine());
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "board")).FullName;
        await using (var first = await GrainCluster.StartAsync(folder, serviceId, settings))
        {
            foreach (var team in new[] { Dianchi, RedPomegranate, Dianchi })
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(team).LogActivity(Activity(team, residents: 2))).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        // Restarted, with the teams' state reads held back from the start: the board's first pull cannot finish.
        var teamReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var second = await GrainCluster.StartAsync(folder, serviceId, settings, storage => storage.HeldReads["team"] = teamReads);
        var board = second.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key);
        var observer = second.Grains.CreateObjectReference<IBoardObserver>(new SilentObserver());

        await board.Subscribe(Guid.NewGuid(), observer).WaitAsync(TimeSpan.FromSeconds(20));
        var snapshot = board.GetSnapshot();
        await Task.Delay(500);
        snapshot.IsCompleted.Should().BeFalse("a snapshot waits until every team has been asked");
        (await board.GetVersion().WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(0, "readiness asks the version, which does not wait for the figures");

        teamReads.SetResult();
        second.Storage.HeldReads.Clear();
        (await snapshot).Totals.Activities.Should().Be(3);
        (await snapshot).Leaderboard.Single(e => e.TeamId == Dianchi).Tally.Activities.Should().Be(2);
    }

    private sealed class SilentObserver : IBoardObserver
    {
        public Task OnSnapshot(BoardSnapshot snapshot) => Task.CompletedTask;

        public Task OnTeams(System.Collections.Immutable.ImmutableArray<TeamStanding> teams) => Task.CompletedTask;

        public Task OnHeartbeat(BoardHeartbeat heartbeat) => Task.CompletedTask;
    }

    [Fact]
    public async Task Reading_a_whole_timeline_after_a_restart_brings_no_chunk_into_memory()
    {
        var serviceId = $"chunks-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(Engine()) { ["ActivityLog:ChunkCapacity"] = "8" };
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "restarted")).FullName;
        var october = new DateTimeOffset(2026, 10, 1, 9, 0, 0, BeijingTime.Offset);
        var logged = Enumerable.Range(0, 20).Select(i => Activity(Dianchi, occurredAt: october.AddHours(i * 5)))
            .Append(Activity(Dianchi, occurredAt: new DateTimeOffset(2026, 9, 30, 23, 30, 0, BeijingTime.Offset)))
            .ToList();
        await using (var first = await GrainCluster.StartAsync(folder, serviceId, settings))
        {
            foreach (var activity in logged)
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        // Restarted: nothing is in memory until asked for. October is chunks of 8, 8 and 4, September one chunk; the
        // open one, October's third, is held in the team's state, the others are in storage.
        await using var second = await GrainCluster.StartAsync(folder, serviceId, settings);
        var timeline = await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetTimeline(new TimelineQuery { PageSize = 50 });
        var found = await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetRevisions(logged[0].Id);

        timeline.Items.Select(a => a.Id).Should().Equal(logged.OrderByDescending(a => a.OccurredAt).Select(a => a.Id));
        found.Should().ContainSingle(a => a.Id == logged[0].Id, "the first activity sits in a full chunk read from storage");
        var held = logged[19].Id;
        (await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetRevisions(held))
            .Should().ContainSingle(a => a.Id == held, "October's last activity is held by the team");
        (await ChunksInMemory(second.Grains)).Should().Be(0, "chunks are read from storage, not as grains");
    }

    /// <summary>Sends the activity until the team answers, as a phone does (up to ten tries, 200 ms apart).</summary>
    private static async Task<LogResult> ResentUntilAnswered(IServiceTeamGrain team, ActivityRecord activity)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await team.LogActivity(activity);
            }
            catch (Exception) when (attempt < 10)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>How many log chunks are grains in memory across the cluster.</summary>
    private static async Task<int> ChunksInMemory(IGrainFactory grains) =>
        (await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains(nameof(IActivityLogChunkGrain)[1..], StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    [Fact]
    public async Task A_chunk_leaves_memory_once_it_is_full_and_its_activities_are_still_read()
    {
        // Chunks hold 8 in this cluster: 20 activities fill two and start a third.
        var october = new DateTimeOffset(2026, 10, 1, 9, 0, 0, BeijingTime.Offset);
        var logged = Enumerable.Range(0, 20).Select(i => Activity(Dianchi, occurredAt: october.AddHours(i * 5))).ToList();
        foreach (var activity in logged)
        {
            (await Team(Dianchi).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        }

        for (var i = 0; i < 100 && await ChunksInMemory(_cluster.Grains) > 0; i++)
        {
            await Task.Delay(50);
        }

        (await ChunksInMemory(_cluster.Grains)).Should().Be(0, "the two full chunks were written and left; the open one is held by the team");
        var timeline = await Team(Dianchi).GetTimeline(new TimelineQuery { PageSize = 50 });
        timeline.Items.Select(a => a.Id).Should().Equal(logged.OrderByDescending(a => a.OccurredAt).Select(a => a.Id));
        (await Team(Dianchi).GetRevisions(logged[3].Id)).Should().ContainSingle(a => a.Id == logged[3].Id);
    }

    [Fact]
    public async Task A_chunk_that_cannot_be_written_leaves_its_records_with_the_team_stored_and_is_written_later()
    {
        var serviceId = $"unwritten-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(Engine()) { ["ActivityLog:ChunkCapacity"] = "8" };
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "unwritten")).FullName;
        var october = new DateTimeOffset(2026, 10, 1, 9, 0, 0, BeijingTime.Offset);
        var logged = Enumerable.Range(0, 11).Select(i => Activity(Dianchi, occurredAt: october.AddHours(i), partners: i % 2 == 0 ? [KfcCoffee] : [])).ToList();
        await using (var first = await GrainCluster.StartAsync(folder, serviceId, settings))
        {
            // The first chunk fills at the eighth activity and cannot be written: every activity is still acknowledged.
            first.Storage.FailingStates["chunk"] = true;
            foreach (var activity in logged.Take(10))
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        await using var second = await GrainCluster.StartAsync(folder, serviceId, settings);
        var team = second.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        var chunk = second.Grains.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(Dianchi, "202610", 0));
        (await chunk.GetActivities()).Should().BeEmpty();
        (await team.GetTimeline(new TimelineQuery { PageSize = 50 })).Items.Select(a => a.Id)
            .Should().BeEquivalentTo(logged.Take(10).Select(a => a.Id), "the team's state holds what the chunk could not take");

        // With the next batch the full chunk is written.
        (await team.LogActivity(logged[10])).Outcome.Should().Be(LogOutcome.Created);
        (await second.Grains.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(Dianchi, "202610", 0)).GetActivities())
            .Select(a => a.Id).Should().Equal(logged.Take(8).Select(a => a.Id));
        (await team.GetTimeline(new TimelineQuery { PageSize = 50 })).Items.Select(a => a.Id)
            .Should().Equal(logged.OrderByDescending(a => a.OccurredAt).Select(a => a.Id));
        await EnterpriseCounting(second.Grains, KfcCoffee, 6);
        (await team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task A_team_holding_more_than_its_bound_writes_its_open_chunk_before_it_is_full()
    {
        var settings = new Dictionary<string, string?>(Engine()) { ["ActivityLog:ChunkCapacity"] = "256" };
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "bound")).FullName;
        await using var cluster = await GrainCluster.StartAsync(folder, settings: settings);
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate);
        var october = new DateTimeOffset(2026, 10, 1, 9, 0, 0, BeijingTime.Offset);
        var logged = Enumerable.Range(0, 71).Select(i => Activity(RedPomegranate, occurredAt: october.AddHours(i))).ToList();
        var chunk = cluster.Grains.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(RedPomegranate, "202610", 0));

        // Sixty held, in batches of ten: the chunk of 256 is far from full and not written.
        foreach (var batch in logged.Take(60).Chunk(10))
        {
            (await team.LogActivities([.. batch])).Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
        }

        (await chunk.GetActivities()).Should().BeEmpty();

        // Seventy is past the bound: everything held is written.
        (await team.LogActivities([.. logged.Skip(60).Take(10)])).Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
        (await chunk.GetActivities()).Select(a => a.Id).Should().Equal(logged.Take(70).Select(a => a.Id));

        // And what comes after is held again.
        (await team.LogActivity(logged[70])).Outcome.Should().Be(LogOutcome.Created);
        (await chunk.GetActivities()).Should().HaveCount(70);
        (await team.GetTimeline(new TimelineQuery { PageSize = 100 })).Items.Select(a => a.Id)
            .Should().Equal(logged.AsEnumerable().Reverse().Select(a => a.Id));
    }

    [Fact]
    public async Task Every_aggregate_equals_the_sum_over_the_stored_log_after_retries_and_conflicts()
    {
        var random = new Random(7);
        var teams = new[] { RedPomegranate, KeyEnterprises, Dianchi };
        var acknowledged = new List<ActivityRecord>();
        for (var i = 0; i < 60; i++)
        {
            var team = teams[random.Next(teams.Length)];
            var activity = Activity(team,
                occurredAt: BeijingNow.AddDays(-random.Next(0, 120)),
                domain: ServiceDomains.All[random.Next(7)].Code,
                district: Districts.All[random.Next(15)].Code,
                residents: random.Next(0, 200),
                partners: random.Next(3) == 0 ? [KfcCoffee] : []);
            (await Team(team).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            acknowledged.Add(activity);
            if (i % 5 == 0)
            {
                (await Team(team).LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
            }
        }

        var report = await ConsistencyOnceReported();

        report.Differences.Should().BeEmpty();
        report.Consistent.Should().BeTrue();
        report.StoredActivities.Should().Be(60);
        var board = await _cluster.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();
        board.Totals.Outcomes.ResidentsServed.Should().Be(acknowledged.Sum(a => a.Outcomes.ResidentsServed));
        foreach (var team in teams)
        {
            var mine = acknowledged.Where(a => a.TeamId == team).ToList();
            var summary = await Team(team).GetSummary();
            summary.Aggregates.Total.Activities.Should().Be(mine.Count);
            foreach (var domain in mine.GroupBy(a => a.Domain))
            {
                summary.Aggregates.ByDomain[domain.Key].Outcomes.ResidentsServed.Should().Be(domain.Sum(a => a.Outcomes.ResidentsServed));
            }
        }
    }

    [Fact]
    public async Task An_enterprise_that_cannot_be_written_holds_up_no_activity_and_counts_it_once_it_can()
    {
        var team = Team(KeyEnterprises);
        await team.LogActivity(Activity(KeyEnterprises, domain: "industry", residents: 4, partners: [Yuneng]));
        await EnterpriseCounting(_cluster.Grains, Yuneng, 1);
        var activity = Activity(KeyEnterprises, domain: "industry", residents: 9, partners: [Yuneng]);

        // The partner enterprise cannot be written: the activity is stored, counted by its team and acknowledged all the same.
        FailEnterpriseWrites(_cluster);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
        (await team.GetSummary()).Aggregates.Total.Activities.Should().Be(2);
        (await team.GetTimeline(new TimelineQuery { PageSize = 10 })).Items.Should().ContainSingle(a => a.Id == activity.Id);

        // The enterprise shows only what it stored, and the check says it is behind.
        (await _cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(Yuneng).GetSummary()).Totals.Total.Activities.Should().Be(1);
        (await _cluster.Grains.GetGrain<IConsistencyGrain>(0).Check()).Differences.Should().Contain(d => d.Contains(Yuneng));

        // Once it can be written, the team's next try gets there: counted once, for all the resends.
        _cluster.Storage.FailingStates.Clear();
        var yuneng = await EnterpriseCounting(_cluster.Grains, Yuneng, 2);
        yuneng.Total.Outcomes.ResidentsServed.Should().Be(13);
        (await ConsistencyOnceReported()).Differences.Should().BeEmpty();
    }

    [Fact]
    public async Task A_correction_reaches_the_enterprises_before_what_came_after_it_once_they_can_be_written()
    {
        var team = Team(KeyEnterprises);
        var activity = Activity(KeyEnterprises, domain: "industry", residents: 5, partners: [Yuneng]);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        await EnterpriseCounting(_cluster.Grains, Yuneng, 1);
        var later = Activity(KeyEnterprises, domain: "industry", residents: 2, partners: [KfcCoffee]);

        // While the enterprises cannot be written, the activity is corrected (the partner is now KFC, 9 residents)
        // and one more activity for KFC is logged: both are stored and answered.
        FailEnterpriseWrites(_cluster);
        var replacement = activity with { Outcomes = activity.Outcomes with { ResidentsServed = 9 }, Partners = [KfcCoffee] };
        (await team.Correct(new ActivityCorrection { ActivityId = activity.Id, Replacement = replacement, Actor = "admin" }))
            .Outcome.Should().Be(CorrectionOutcome.Revised);
        (await team.LogActivity(later)).Outcome.Should().Be(LogOutcome.Created);
        _cluster.Storage.FailingStates.Clear();

        // Yuneng loses the activity; KFC gains both, in the order they happened (it would skip the correction after the later activity).
        await EnterpriseCounting(_cluster.Grains, Yuneng, 0);
        var kfc = await EnterpriseCounting(_cluster.Grains, KfcCoffee, 2);
        kfc.Total.Outcomes.ResidentsServed.Should().Be(11);
        (await team.GetRevisions(activity.Id)).Select(a => a.Revision).Should().Equal(0, 1);
        (await ConsistencyOnceReported()).Differences.Should().BeEmpty();
    }

    [Fact]
    public async Task What_the_enterprises_had_not_heard_of_when_the_service_stopped_reaches_them_once_it_is_back()
    {
        var serviceId = $"untold-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(Engine()) { ["ActivityLog:ChunkCapacity"] = "8" };
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "untold")).FullName;
        var logged = Enumerable.Range(0, 3).Select(i => Activity(Dianchi, residents: i + 1, partners: [KfcCoffee])).ToList();
        await using (var first = await GrainCluster.StartAsync(folder, serviceId, settings))
        {
            // The enterprise cannot be written until the service stops.
            FailEnterpriseWrites(first);
            foreach (var activity in logged)
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        // Started again, with nothing logged since: the team tells the enterprise by itself.
        await using var second = await GrainCluster.StartAsync(folder, serviceId, settings);
        var kfc = await EnterpriseCounting(second.Grains, KfcCoffee, 3);
        kfc.ByTeam[Dianchi].Outcomes.ResidentsServed.Should().Be(6);
    }

    [Fact]
    public async Task A_claim_whose_first_attempt_never_got_counted_is_taken_over_by_the_resend()
    {
        var team = Team(RedPomegranate);
        var activity = Activity(RedPomegranate, residents: 4);

        // The id is claimed, then the team's own write (its journal entry) fails: nothing was counted or logged.
        _cluster.Storage.FailingStates["journal/team"] = true;
        var first = () => team.LogActivity(activity);
        await first.Should().ThrowAsync<Exception>();
        _cluster.Storage.FailingStates.Clear();

        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
        (await team.GetSummary()).Aggregates.Total.Activities.Should().Be(1);
        (await ConsistencyOnceReported()).Differences.Should().BeEmpty();
    }

    [Fact]
    public async Task Rebuild_restores_aggregates_from_the_log()
    {
        await Team(Dianchi).LogActivity(Activity(Dianchi, domain: "ecology", residents: 11, partners: [KfcCoffee]));
        await Team(Dianchi).LogActivity(Activity(Dianchi, domain: "ecology", residents: 13));

        var report = await _cluster.Grains.GetGrain<IConsistencyGrain>(0).Rebuild();

        report.Consistent.Should().BeTrue();
        report.StoredActivities.Should().Be(2);
        report.BoardActivities.Should().Be(2);
        (await Team(Dianchi).GetSummary()).Aggregates.Total.Outcomes.ResidentsServed.Should().Be(24);
        (await _cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary()).Totals.Total.Activities.Should().Be(1);
    }
}
