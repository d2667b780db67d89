using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

public sealed class DurabilityOnSqliteTests(ITestOutputHelper output, TenThousandActivities history)
    : DurabilityTests(output, history), IClassFixture<TenThousandActivities>;

public sealed class DurabilityOnPostgreSqlTests(ITestOutputHelper output, TenThousandActivitiesOnPostgreSql history)
    : DurabilityTests(output, history), IClassFixture<TenThousandActivitiesOnPostgreSql>;

/// <summary>Restart, write cost independent of history, and paging over a long log, on each storage engine.</summary>
public abstract class DurabilityTests(ITestOutputHelper output, StoredHistory history) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Everything_logged_is_there_again_after_the_cluster_restarts_on_the_same_store()
    {
        var serviceId = Guid.NewGuid().ToString("N");
        var activities = Enumerable.Range(0, 12)
            .Select(i => Activity(i % 2 == 0 ? RedPomegranate : Dianchi, occurredAt: BeijingNow.AddDays(-i), residents: i, partners: i % 3 == 0 ? [KfcCoffee] : []))
            .ToList();

        await using (var first = await GrainCluster.StartAsync(_folder.Path, serviceId, history.Engine()))
        {
            foreach (var activity in activities)
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(activity.TeamId).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        await using var second = await GrainCluster.StartAsync(_folder.Path, serviceId, history.Engine());

        var red = await second.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).GetSummary();
        red.Aggregates.Total.Activities.Should().Be(6);
        red.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(0 + 2 + 4 + 6 + 8 + 10);
        var timeline = await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetTimeline(new TimelineQuery { PageSize = 50 });
        timeline.Items.Select(a => a.Id).Should().Equal(activities.Where(a => a.TeamId == Dianchi).Select(a => a.Id));
        var board = await second.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();
        board.Totals.Activities.Should().Be(12);

        // The enterprise follows a moment later: a team that had not told it everything when the first cluster stopped carries on at start-up.
        await Poll.Until(async () => (await second.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary()).Totals.Total.Activities == 4);

        // A resend after the restart still counts once.
        (await second.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).LogActivity(activities[0])).Outcome.Should().Be(LogOutcome.AlreadyStored);
    }

    [Fact]
    public async Task Logging_one_activity_writes_no_more_with_ten_thousand_stored_than_with_none()
    {
        var cluster = history.Cluster;

        // Each batch is a journal entry, the team's whole state (with the records of its open chunk) is written with
        // every sixteenth, a chunk once it is full, and the activity index's last page (up to 256 ids, from every
        // team) with each batch, so the bytes of one activity depend on where it falls in each cycle: measure whole
        // cycles of all three (256 activities: sixteen state writes, eight chunks, every fill of an index page) on
        // each team, journal and partner enterprise included.
        var withNone = await BytesPerActivity(cluster, RedPomegranate);
        var withHistory = await BytesPerActivity(cluster, StoredHistory.Team);

        output.WriteLine($"bytes written per activity: {withNone:F0} with none stored, {withHistory:F0} with 10,000 stored, ratio {withHistory / withNone:F2}");
        output.WriteLine(string.Join(", ", cluster.Storage.BytesByState.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value:N0} B in {cluster.Storage.WritesByState.GetValueOrDefault(s.Key)}")));
        withHistory.Should().BeLessThanOrEqualTo(1.5 * withNone, "what a team writes is bounded by its held days and open chunk, not by its history");
    }

    [Fact]
    public async Task A_team_write_carries_the_texts_its_records_repeat_once()
    {
        // As each request's JSON brings them: every record with its own copies of the team, domain, district,
        // recorder and partner; for a team no other test here logs for, so that every record in its write is one of these.
        static string Copy(string text) => new(text.AsSpan());
        const string recorder = "token:leader of the key enterprises team";
        // Sixteen batches: the team's whole state is written with the sixteenth (the batches before are journal entries).
        var team = history.Cluster.Grains.GetGrain<IServiceTeamGrain>(KeyEnterprises);
        for (var i = 0; i < 16; i++)
        {
            var activity = Activity(Copy(KeyEnterprises), occurredAt: BeijingNow.AddSeconds(-i), domain: Copy("ecology"), district: Copy("chenggong"), partners: [Copy(KfcCoffee)])
                with { RecordedBy = Copy(recorder) };
            (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        }

        // Written just after the sixteenth answer.
        await Poll.Until(() => Task.FromResult(history.Cluster.Storage.Latest("team", team.GetGrainId()) is not null));
        var stored = history.Cluster.Storage.Latest("team", team.GetGrainId());
        var summary = await team.GetSummary();
        summary.Recent.Should().HaveCount(10).And.OnlyContain(a => a.RecordedBy == recorder && a.Partners.SequenceEqual(new[] { KfcCoffee }));

        // The records awaiting their chunk are in that write, yet each of these texts is in it once.
        Occurrences(stored!, recorder).Should().Be(1);
        Occurrences(stored!, KfcCoffee).Should().Be(1);
    }

    private static int Occurrences(byte[] stored, string text)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(text);
        var count = 0;
        for (var at = stored.AsSpan().IndexOf(needle); at >= 0; count++)
        {
            var next = stored.AsSpan(at + needle.Length).IndexOf(needle);
            at = next < 0 ? -1 : at + needle.Length + next;
        }

        return count;
    }

    [Fact]
    public async Task The_timeline_pages_and_filters_correctly_over_ten_thousand_activities()
    {
        var team = history.Cluster.Grains.GetGrain<IServiceTeamGrain>(StoredHistory.Team);
        var loaded = history.Activities.OrderByDescending(a => a.OccurredAt).ToList();

        // Everything stored by the fixture is older than this; anything logged later by another test is not.
        var to = loaded[0].OccurredAt.AddSeconds(1);
        var page37 = await team.GetTimeline(new TimelineQuery { To = to, Page = 37, PageSize = 100 });
        page37.Total.Should().Be(10_000);
        page37.Items.Select(a => a.Id).Should().Equal(loaded.Skip(3600).Take(100).Select(a => a.Id));

        var from = loaded[4000].OccurredAt;
        var ecology = await team.GetTimeline(new TimelineQuery { From = from, To = to, Domain = "ecology", Page = 2, PageSize = 50 });
        var expected = loaded.Where(a => a.OccurredAt >= from && a.Domain == "ecology").ToList();
        ecology.Total.Should().Be(expected.Count);
        ecology.Items.Select(a => a.Id).Should().Equal(expected.Skip(50).Take(50).Select(a => a.Id));

        var last = await team.GetTimeline(new TimelineQuery { To = to, Page = 100, PageSize = 100 });
        last.Items.Select(a => a.Id).Should().Equal(loaded.Skip(9900).Select(a => a.Id));
    }

    private static async Task<double> BytesPerActivity(GrainCluster cluster, string teamId)
    {
        const int cycle = 256;
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(teamId);
        cluster.Storage.Reset();
        for (var i = 0; i < cycle; i++)
        {
            await team.LogActivity(Activity(teamId, occurredAt: BeijingNow.AddSeconds(-i), partners: i % 10 == 0 ? [KfcCoffee] : []));
        }

        return cluster.Storage.TotalBytes / (double)cycle;
    }
}

/// <summary>A cluster on a real SQLite file where one team has 10,000 activities over the last two months.</summary>
public sealed class TenThousandActivities : StoredHistory
{
    public override Dictionary<string, string?> Engine() => [];
}

/// <summary>The same on a real PostgreSQL server.</summary>
public sealed class TenThousandActivitiesOnPostgreSql : StoredHistory
{
    public override Dictionary<string, string?> Engine() => PostgresServer.StorageSettings();
}

public abstract class StoredHistory : IAsyncLifetime
{
    public const string Team = Dianchi;

    private readonly TempFolder _folder = new();

    internal GrainCluster Cluster { get; private set; } = null!;

    internal List<ActivityRecord> Activities { get; } = [];

    /// <summary>The storage engine's settings.</summary>
    public abstract Dictionary<string, string?> Engine();

    public async Task InitializeAsync()
    {
        Cluster = await GrainCluster.StartAsync(_folder.Path, settings: Engine());
        var team = Cluster.Grains.GetGrain<IServiceTeamGrain>(Team);
        var now = BeijingNow;
        for (var i = 0; i < 10_000; i++)
        {
            Activities.Add(Activity(Team, occurredAt: now.AddMinutes(-(i * 8) - 60), domain: ServiceDomains.All[i % 7].Code, partners: i % 10 == 0 ? [KfcCoffee] : []));
        }

        // Eight leaders at once, as the team's group commit would see them.
        await Parallel.ForEachAsync(Activities, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (activity, _) =>
            (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created));
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _folder.Dispose();
    }
}
