using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Enterprises;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Grains.Teams;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>
/// A team stores each batch as an entry of its journal, written together with other teams' entries, and its whole
/// state every 16 entries and as it leaves memory. What only the journal holds must be all there after a crash.
/// </summary>
public sealed class JournalTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly TempFolder _crashed = new();
    private readonly string _serviceId = Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        _folder.Dispose();
        _crashed.Dispose();
    }

    [Fact]
    public async Task A_team_stores_each_batch_as_a_journal_entry_and_its_whole_state_every_sixteenth()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId);
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        await team.GetSummary();
        cluster.Storage.Reset();

        for (var i = 0; i < 20; i++)
        {
            (await team.LogActivity(Activity(Dianchi, residents: i))).Outcome.Should().Be(LogOutcome.Created);
        }

        cluster.Storage.WritesByState.GetValueOrDefault("team").Should().Be(1, "twenty batches make one state write, after the sixteenth");
        (await StoredTeamState(cluster)).JournalNext.Should().Be(16);
        (await JournalNumbers(_folder, "team/" + Dianchi, from: 16)).Should().Equal(16, 17, 18, 19);
        (await team.GetSummary()).Aggregates.Total.Outcomes.ResidentsServed.Should().Be(Enumerable.Range(0, 20).Sum());
    }

    [Fact]
    public async Task Batches_and_corrections_only_the_journal_holds_are_all_there_after_a_crash()
    {
        TeamSummary before;
        TimelinePage timelineBefore;
        ActivityRecord revised;
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId))
        {
            var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
            var logged = new List<ActivityRecord>();
            for (var i = 0; i < 6; i++)
            {
                var activity = Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i), residents: 10 + i, partners: i % 2 == 0 ? [KfcCoffee] : []);
                (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
                logged.Add(activity);
            }

            var batch = Enumerable.Range(0, 3).Select(i => Activity(Dianchi, domain: "ecology", residents: 100 + i)).ToList();
            (await team.LogActivities([.. batch])).Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
            (await team.Correct(new ActivityCorrection { ActivityId = logged[1].Id, VoidReason = "重复填报", Actor = "admin" }))
                .Outcome.Should().Be(CorrectionOutcome.Voided);
            revised = logged[2] with { Outcomes = logged[2].Outcomes with { ResidentsServed = 77 } };
            (await team.Correct(new ActivityCorrection { ActivityId = revised.Id, Replacement = revised, Actor = "admin" }))
                .Outcome.Should().Be(CorrectionOutcome.Revised);

            before = await team.GetSummary();
            timelineBefore = await team.GetTimeline(new TimelineQuery { PageSize = 50 });
            (await StoredTeamState(cluster)).LogLength.Should().Be(0, "no batch has written the team's whole state yet");

            // The store as a power cut at this instant would leave it: every committed write, nothing else.
            CopyStore(_folder, _crashed);
        }

        await using var after = await GrainCluster.StartAsync(_crashed.Path, _serviceId);
        var restored = after.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        var summary = await restored.GetSummary();
        summary.Aggregates.Should().BeEquivalentTo(before.Aggregates);
        summary.Recent.Select(a => (a.Id, a.Revision)).Should().Equal(before.Recent.Select(a => (a.Id, a.Revision)));
        summary.Aggregates.Total.Activities.Should().Be(8, "nine logged, one voided");
        var timeline = await restored.GetTimeline(new TimelineQuery { PageSize = 50 });
        timeline.Items.Should().BeEquivalentTo(timelineBefore.Items);
        timeline.Items.Single(a => a.Id == revised.Id).Outcomes.ResidentsServed.Should().Be(77);
        (await restored.Audit()).Consistent.Should().BeTrue();

        // The enterprise heard of the three activities that named it (one of them revised), whether or not it had before the crash.
        await Poll.Until(async () => (await after.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary()).Totals.Total.Activities == 3);
        (await after.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary()).Totals.Total.Outcomes.ResidentsServed.Should().Be(10 + 77 + 14);

        // The team goes on from where the journal ended.
        (await restored.LogActivity(Activity(Dianchi, residents: 1))).Outcome.Should().Be(LogOutcome.Created);
        (await restored.GetSummary()).Aggregates.Total.Activities.Should().Be(9);
        (await restored.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task A_team_leaving_memory_writes_its_state_and_its_entries_are_deleted()
    {
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId))
        {
            var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
            for (var i = 0; i < 5; i++)
            {
                (await team.LogActivity(Activity(Dianchi, residents: i))).Outcome.Should().Be(LogOutcome.Created);
            }

            (await JournalNumbers(_folder, "team/" + Dianchi, from: 0)).Should().Equal(0, 1, 2, 3, 4);
        }

        (await JournalNumbers(_folder, "team/" + Dianchi, from: 0)).Should().BeEmpty("the state written as the team left includes them");
        await using var again = await GrainCluster.StartAsync(_folder.Path, _serviceId);
        (await StoredTeamState(again)).JournalNext.Should().Be(5);
        (await again.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetSummary()).Aggregates.Total.Activities.Should().Be(5);
    }

    [Fact]
    public async Task A_batch_whose_journal_entry_fails_is_not_acknowledged_and_the_resend_is_counted_once()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId);
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate);
        (await team.LogActivity(Activity(RedPomegranate, residents: 1))).Outcome.Should().Be(LogOutcome.Created);

        var activity = Activity(RedPomegranate, residents: 4);
        await Execute(_folder, "CREATE TRIGGER refuse_entries BEFORE INSERT ON VanguardHubJournal BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
        var first = () => team.LogActivity(activity);
        await first.Should().ThrowAsync<Exception>();
        await Execute(_folder, "DROP TRIGGER refuse_entries;");

        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
        var summary = await team.GetSummary();
        summary.Aggregates.Total.Activities.Should().Be(2);
        summary.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(5);
        (await team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task A_correction_in_the_journal_is_answered_as_done_though_the_state_write_after_it_fails()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, new Dictionary<string, string?> { ["ActivityLog:CheckpointEvery"] = "1" });
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        var activity = Activity(Dianchi, residents: 5);
        (await team.LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
        await Poll.Until(() => Task.FromResult(cluster.Storage.WritesByState.GetValueOrDefault("team") >= 1));

        cluster.Storage.FailingStates["team"] = true;
        (await team.Correct(new ActivityCorrection { ActivityId = activity.Id, VoidReason = "重复填报", Actor = "admin" }))
            .Outcome.Should().Be(CorrectionOutcome.Voided, "the void is stored in the journal before the state write fails");
        cluster.Storage.FailingStates.Clear();

        (await team.GetSummary()).Aggregates.Total.Activities.Should().Be(0);
        (await team.GetRevisions(activity.Id)).Select(a => a.Voided).Should().Equal(false, true);
        (await team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task An_enterprise_stores_what_it_is_told_as_journal_entries_and_its_whole_state_every_so_many()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, new Dictionary<string, string?> { ["ActivityLog:CheckpointEvery"] = "4" });
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        var kfc = cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee);
        for (var i = 1; i <= 6; i++)
        {
            (await team.LogActivity(Activity(Dianchi, residents: i, partners: [KfcCoffee]))).Outcome.Should().Be(LogOutcome.Created);
            var told = i;
            await Poll.Until(async () => (await kfc.GetSummary()).Totals.Total.Activities == told);
        }

        cluster.Storage.WritesByState.GetValueOrDefault("journal/enterprise").Should().Be(6, "each activity was told on its own");
        cluster.Storage.WritesByState.GetValueOrDefault("enterprise").Should().Be(1, "the whole state is written with the fourth entry");
        (await StoredEnterpriseState(cluster)).JournalNext.Should().Be(4);
        (await StoredEnterpriseState(cluster)).Totals.Total.Activities.Should().Be(4);
        (await JournalNumbers(_folder, "enterprise/" + KfcCoffee, from: 4)).Should().Equal(4, 5);
        (await kfc.GetSummary()).Totals.Total.Outcomes.ResidentsServed.Should().Be(21);
    }

    [Fact]
    public async Task What_an_enterprise_holds_only_in_its_journal_is_there_after_a_crash_and_after_a_stop()
    {
        EnterpriseSummary before;
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId))
        {
            var kfc = cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee);
            var logged = new List<ActivityRecord>();
            foreach (var (teamId, residents) in new[] { (Dianchi, 3), (RedPomegranate, 5), (Dianchi, 7) })
            {
                var activity = Activity(teamId, residents: residents, partners: [KfcCoffee]);
                (await cluster.Grains.GetGrain<IServiceTeamGrain>(teamId).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
                logged.Add(activity);
            }

            var revised = logged[0] with { Outcomes = logged[0].Outcomes with { ResidentsServed = 30 } };
            (await cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi).Correct(new ActivityCorrection { ActivityId = revised.Id, Replacement = revised, Actor = "admin" }))
                .Outcome.Should().Be(CorrectionOutcome.Revised);
            await Poll.Until(async () => (await kfc.GetSummary()).Totals.Total.Outcomes.ResidentsServed == 42);
            before = await kfc.GetSummary();
            cluster.Storage.WritesByState.GetValueOrDefault("enterprise").Should().Be(0, "no entry has been followed by a whole state yet");
            (await JournalNumbers(_folder, "enterprise/" + KfcCoffee, from: 0)).Should().NotBeEmpty();

            CopyStore(_folder, _crashed);
        }

        // After the stop, the enterprise's state includes everything and its entries are gone.
        (await JournalNumbers(_folder, "enterprise/" + KfcCoffee, from: 0)).Should().BeEmpty("the state written as the enterprise left includes them");
        await using (var stopped = await GrainCluster.StartAsync(_folder.Path, _serviceId))
        {
            (await StoredEnterpriseState(stopped)).Totals.Should().BeEquivalentTo(before.Totals);
        }

        // After the crash, its first answer (before any team could tell it anything again) shows what it had stored.
        await using var after = await GrainCluster.StartAsync(_crashed.Path, _serviceId);
        (await StoredEnterpriseState(after)).Totals.Total.Activities.Should().Be(0);
        var summary = await after.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary();
        summary.Totals.Should().BeEquivalentTo(before.Totals);
        summary.Recent.Select(a => (a.Id, a.Revision)).Should().Equal(before.Recent.Select(a => (a.Id, a.Revision)));
        summary.AsOf.Should().Be(before.AsOf);
    }

    [Fact]
    public async Task An_enterprise_answers_a_told_batch_as_done_once_its_entry_is_stored_though_the_state_write_after_it_fails()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, new Dictionary<string, string?> { ["ActivityLog:CheckpointEvery"] = "1" });
        var yuneng = cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(Yuneng);
        var first = Activity(KeyEnterprises, domain: "industry", residents: 4, partners: [Yuneng]) with { Sequence = 0 };
        var second = Activity(KeyEnterprises, domain: "industry", residents: 6, partners: [Yuneng]) with { Sequence = 1 };

        cluster.Storage.FailingStates["enterprise"] = true;
        await yuneng.Record([first]);
        await Poll.Until(() => Task.FromResult(cluster.Storage.FailuresByState.GetValueOrDefault("enterprise") >= 1));
        cluster.Storage.FailingStates.Clear();

        // It leaves memory after the failed write (refusing calls meanwhile); brought back, it applies the entry first,
        // so the next batch adds to it, and a resend counts nothing.
        await Poll.Until(async () =>
        {
            try
            {
                await yuneng.Record([second]);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        });
        await yuneng.Record([first]);
        var totals = (await yuneng.GetSummary()).Totals;
        totals.Total.Activities.Should().Be(2);
        totals.Total.Outcomes.ResidentsServed.Should().Be(10);
        (await StoredEnterpriseState(cluster, Yuneng)).Totals.Should().BeEquivalentTo(totals);
    }

    [Fact]
    public async Task An_entry_under_a_number_already_taken_is_refused()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId);
        var journal = cluster.Cluster.GetSiloServiceProvider().GetRequiredService<IJournal>();
        (await journal.Read("test/stream", 0)).Should().BeEmpty();
        await journal.Append("test/stream", 0, [1, 2, 3]);
        await journal.Append("test/stream", 1, [4]);

        var again = () => journal.Append("test/stream", 1, [5]);
        await again.Should().ThrowAsync<JournalConflictException>();
        (await journal.Read("test/stream", 0)).Select(e => (e.Number, e.Payload.Length)).Should().Equal((0L, 3), (1L, 1));
    }

    [Fact]
    public async Task An_entry_that_can_wait_goes_with_the_next_write_another_starts_or_alone_after_its_wait()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId);
        var journal = cluster.Cluster.GetSiloServiceProvider().GetRequiredService<StoreJournal>();
        (await journal.Read("test/waits", 0)).Should().BeEmpty();
        (await journal.Read("test/urgent", 0)).Should().BeEmpty();

        var waiting = journal.Append("test/waits", 0, [1], canWait: true);
        await journal.Append("test/urgent", 0, [2]);
        waiting.IsCompletedSuccessfully.Should().BeTrue("it was stored in the write the other entry started");

        // Alone, it is stored after its wait.
        await journal.Append("test/waits", 1, [3], canWait: true).WaitAsync(TimeSpan.FromSeconds(10));
        (await journal.Read("test/waits", 0)).Select(e => e.Payload.Single()).Should().Equal((byte)1, (byte)3);
    }

    [Fact]
    public async Task On_PostgreSql_two_nodes_cannot_both_append_an_entry_under_one_number()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, PostgresServer.StorageSettings(connectionString));
        var first = cluster.Cluster.GetSiloServiceProvider().GetRequiredService<IJournal>();

        // A second node on the same store, each believing it holds the stream: both read it, both append entry 0.
        var second = SecondNodesJournal(connectionString);
        (await first.Read("team/" + Dianchi, 0)).Should().BeEmpty();
        (await second.Read("team/" + Dianchi, 0)).Should().BeEmpty();

        await first.Append("team/" + Dianchi, 0, [1]);
        var late = () => second.Append("team/" + Dianchi, 0, [2]);
        await late.Should().ThrowAsync<JournalConflictException>();
        (await second.Read("team/" + Dianchi, 0)).Select(e => e.Payload.Single()).Should().Equal((byte)1);
    }

    [Fact]
    public async Task On_PostgreSql_a_write_of_many_streams_stores_each_entry_but_one_under_a_taken_number_and_deletes_for_each()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, PostgresServer.StorageSettings(connectionString));
        var first = cluster.Cluster.GetSiloServiceProvider().GetRequiredService<IJournal>();
        var second = SecondNodesJournal(connectionString);
        string[] streams = ["test/a", "test/b", "test/c", "test/d"];
        foreach (var stream in streams)
        {
            (await first.Read(stream, 0)).Should().BeEmpty();
        }

        (await second.Read("test/b", 0)).Should().BeEmpty();
        await second.Append("test/b", 0, [9]);

        // Sent together, they go in as few writes as the journal makes of them; b's number is the other node's.
        var appends = streams.SelectMany(stream => new[] { (stream, 0L), (stream, 1L) })
            .Where(e => e.stream != "test/b" || e.Item2 == 0)
            .Select(e => (e.stream, e.Item2, Task: first.Append(e.stream, e.Item2, [(byte)e.Item2, (byte)e.stream[^1]])))
            .ToList();
        await Task.WhenAll(appends.Select(a => a.Task)).ContinueWith(_ => { }, TaskScheduler.Default);

        appends.Where(a => a.stream != "test/b").Should().OnlyContain(a => a.Task.IsCompletedSuccessfully);
        appends.Single(a => a.stream == "test/b").Task.Exception!.InnerException.Should().BeOfType<JournalConflictException>();
        (await second.Read("test/b", 0)).Select(e => e.Payload.Single()).Should().Equal((byte)9);
        foreach (var stream in streams.Where(s => s != "test/b"))
        {
            (await first.Read(stream, 0)).Select(e => (e.Number, e.Payload[1])).Should().Equal((0L, (byte)stream[^1]), (1L, (byte)stream[^1]));
        }

        // Deletions for several streams, made with a later write; each keeps the newest entry its state includes.
        first.Forget("test/a", 2);
        first.Forget("test/c", 2);
        await Task.Delay(StoreJournal.ForgetInterval + TimeSpan.FromMilliseconds(100));
        await first.Append("test/d", 2, [2]);

        (await first.Read("test/a", 0)).Select(e => e.Number).Should().Equal(1L);
        (await first.Read("test/c", 2)).Should().BeEmpty("a state that includes entries 0 and 1 reads from 2");
        (await first.Read("test/d", 0)).Select(e => e.Number).Should().Equal(0L, 1L, 2L);
    }

    [Fact]
    public async Task On_PostgreSql_a_node_that_read_a_stream_before_anothers_checkpoint_cannot_append_below_it()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, PostgresServer.StorageSettings(connectionString));
        var first = cluster.Cluster.GetSiloServiceProvider().GetRequiredService<IJournal>();
        var second = SecondNodesJournal(connectionString);
        const string stream = "test/stale";

        // The second node read the stream when it held entry 0, and would append entry 1 next.
        (await first.Read(stream, 0)).Should().BeEmpty();
        await first.Append(stream, 0, [0]);
        (await second.Read(stream, 0)).Select(e => e.Number).Should().Equal(0L);

        // Meanwhile the first appends 1 to 3 and writes a state that includes them: 0 to 2 are deleted.
        foreach (var number in new long[] { 1, 2, 3 })
        {
            await first.Append(stream, number, [(byte)number]);
        }

        first.Forget(stream, 4);
        await Task.Delay(StoreJournal.ForgetInterval + TimeSpan.FromMilliseconds(100));
        await first.Append("test/other", 0, [0]);

        // Its entry 1 would sit where no activation reads (they start at 4): refused, as a taken number is.
        var stale = () => second.Append(stream, 1, [9]);
        await stale.Should().ThrowAsync<JournalConflictException>();
        (await first.Read(stream, 4)).Should().BeEmpty();
        (await first.Read(stream, 0)).Select(e => (e.Number, e.Payload.Single())).Should().Equal((3L, (byte)3));

        // The first goes on from 4 as before.
        await first.Append(stream, 4, [4]);
        (await first.Read(stream, 4)).Select(e => e.Number).Should().Equal(4L);
    }

    /// <summary>The journal of a second node on the same PostgreSQL store and service.</summary>
    private StoreJournal SecondNodesJournal(string connectionString)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = connectionString, DataDirectory = _folder.Path };
        return new StoreJournal(
            Options.Create(options), Options.Create(new ClusterOptions { ServiceId = _serviceId }), new StoreWriter(Options.Create(options)), NullLogger<StoreJournal>.Instance);
    }

    private async Task<TeamState> StoredTeamState(GrainCluster cluster)
    {
        var held = new GrainState<TeamState>(new TeamState());
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
        await cluster.Storage.ReadStateAsync("team", team.GetGrainId(), held);
        return held.State!;
    }

    private static async Task<PartnerEnterpriseGrain.State> StoredEnterpriseState(GrainCluster cluster, string enterpriseId = KfcCoffee)
    {
        var held = new GrainState<PartnerEnterpriseGrain.State>(new PartnerEnterpriseGrain.State());
        var enterprise = cluster.Grains.GetGrain<IPartnerEnterpriseGrain>(enterpriseId);
        await cluster.Storage.ReadStateAsync("enterprise", enterprise.GetGrainId(), held);
        return held.State!;
    }

    private async Task<List<long>> JournalNumbers(TempFolder folder, string stream, long from)
    {
        await using var connection = new SqliteConnection(new StorageOptions { DataDirectory = folder.Path }.SqliteConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EntryNumber FROM VanguardHubJournal WHERE ServiceId = $service AND StreamKey = $stream AND EntryNumber >= $from ORDER BY EntryNumber;";
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$stream", stream);
        command.Parameters.AddWithValue("$from", from);
        var numbers = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            numbers.Add(reader.GetInt64(0));
        }

        return numbers;
    }

    private static async Task Execute(TempFolder folder, string sql)
    {
        await using var connection = new SqliteConnection(new StorageOptions { DataDirectory = folder.Path }.SqliteConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A consistent copy of the running store (the service's online backup), as a crash at this instant would leave it.</summary>
    private static void CopyStore(TempFolder from, TempFolder to) =>
        SqliteStore.Backup(new StorageOptions { DataDirectory = from.Path }, new StorageOptions { DataDirectory = to.Path }.SqlitePath, TextWriter.Null);
}
