using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>How the SQLite store lays out grain states: in pages that hold a whole state, on new stores only.</summary>
public sealed class StoreLayoutTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_new_store_rewrites_a_busy_teams_state_as_one_page_of_its_log()
    {
        var options = new StorageOptions { DataDirectory = _folder.Path };
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path))
        {
            var team = cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);
            // Each on its own day, with its own title: a state of many days' figures and many texts, past 4 KiB.
            var results = await team.LogActivities([.. Enumerable.Range(0, 24).Select(i =>
                Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i), title: $"滇池保护巡河第{i}次", residents: i))]);
            results.Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
        }

        await using var connection = new SqliteConnection(options.SqliteConnectionString);
        await connection.OpenAsync();
        var pageSize = await ScalarAsync(connection, "PRAGMA page_size;");
        pageSize.Should().Be(SchemaMigrator.SqlitePageSize);
        (await ScalarAsync(connection, "SELECT MAX(LENGTH(PayloadBinary)) FROM OrleansStorage;"))
            .Should().BeGreaterThan(4096, "the team's state would not fit in a page of SQLite's default size");

        // The log emptied, then the largest state rewritten one byte longer, as a team's next write grows it.
        (await ScalarAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);")).Should().Be(0, "no other connection holds the log");
        await using (var grow = connection.CreateCommand())
        {
            grow.CommandText = """
                UPDATE OrleansStorage SET PayloadBinary = PayloadBinary || x'00', Version = Version + 1
                WHERE rowid = (SELECT rowid FROM OrleansStorage ORDER BY LENGTH(PayloadBinary) DESC LIMIT 1);
                """;
            await grow.ExecuteNonQueryAsync();
        }

        const int LogHeader = 32, FrameHeader = 24;
        var frames = (new FileInfo(options.SqlitePath + "-wal").Length - LogHeader) / (pageSize + FrameHeader);
        frames.Should().Be(1, "the state is in its row's page, with no overflow pages to free and take anew");
    }

    [Fact]
    public async Task The_write_ahead_log_stays_on_disk_when_the_last_connection_closes()
    {
        // The log's directory entry is synced once a process: a log deleted when the pool closed its last connection,
        // and made anew by the next write, would have an entry that was never synced.
        var options = new StorageOptions { DataDirectory = _folder.Path };
        var serviceId = Guid.NewGuid().ToString("N");
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path, serviceId))
        {
            (await cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivity(Activity(Dianchi))).Outcome.Should().Be(LogOutcome.Created);
        }

        SqliteConnection.ClearAllPools();
        File.Exists(options.SqlitePath + "-wal").Should().BeTrue("no connection of the store is open, and the log is kept");

        // The store reads back whole.
        await using var again = await GrainCluster.StartAsync(_folder.Path, serviceId);
        (await again.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetSummary()).Aggregates.Total.Activities.Should().Be(1);
    }

    [Fact]
    public async Task A_store_made_before_keeps_its_page_size_and_takes_the_schema()
    {
        var connectionString = new StorageOptions { DataDirectory = _folder.Path }.SqliteConnectionString;
        await using (var earlier = new SqliteConnection(connectionString))
        {
            await earlier.OpenAsync();
            await using var command = earlier.CreateCommand();
            command.CommandText = "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE Earlier (Id INTEGER PRIMARY KEY);";
            await command.ExecuteNonQueryAsync();
        }

        var applied = await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).ApplySqliteAsync(connectionString);

        applied.Should().Equal(SchemaMigrator.StepsFor("sqlite"));
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        (await ScalarAsync(connection, "PRAGMA page_size;")).Should().Be(4096);
        (await ScalarAsync(connection, "SELECT COUNT(*) FROM OrleansQuery;")).Should().BeGreaterThan(0);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
