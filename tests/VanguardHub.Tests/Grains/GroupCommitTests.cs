using Microsoft.Data.Sqlite;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>SQLite's group commit: writers that commit together share one fsync of the log, and each waits for one that began after its commit.</summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Commits_made_during_a_sync_wait_for_the_next_one_and_share_it()
    {
        var inFirstRound = new SemaphoreSlim(0);
        var releaseFirstRound = new SemaphoreSlim(0);
        var rounds = 0;
        var sync = new WalGroupSync(() =>
        {
            if (Interlocked.Increment(ref rounds) == 1)
            {
                inFirstRound.Release();
                releaseFirstRound.Wait();
            }
        });

        var first = sync.AfterCommitAsync();
        (await inFirstRound.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();

        // These committed after the first sync began: it must not acknowledge them.
        var later = Enumerable.Range(0, 63).Select(_ => Task.Run(sync.AfterCommitAsync)).ToList();
        await Task.Delay(200);
        later.Should().OnlyContain(t => !t.IsCompleted);
        first.IsCompleted.Should().BeFalse();

        releaseFirstRound.Release();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(later).WaitAsync(TimeSpan.FromSeconds(10));
        sync.Rounds.Should().Be(2, "the 63 that waited share one sync");
    }

    [Fact]
    public async Task Commits_made_during_the_delay_share_the_sync_it_precedes()
    {
        var rounds = 0;
        var sync = new WalGroupSync(() => Interlocked.Increment(ref rounds), TimeSpan.FromSeconds(2));

        // The others commit a tenth of a second after the first: long after a sync without the delay would have run,
        // well inside the two seconds this one waits.
        var first = sync.AfterCommitAsync();
        Thread.Sleep(100);
        var others = Enumerable.Range(0, 10).Select(_ => sync.AfterCommitAsync()).ToList();

        await Task.WhenAll(others.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));
        rounds.Should().Be(1, "all eleven committed before the one round began");
        sync.Rounds.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_sync_fails_the_writes_it_was_to_cover()
    {
        var sync = new WalGroupSync(() => throw new IOException("disk gone"));

        var write = () => sync.AfterCommitAsync();

        await write.Should().ThrowAsync<IOException>();
    }

    [Fact]
    public async Task Connections_to_the_store_commit_without_syncing_and_a_write_is_one_statement()
    {
        await using (var cluster = await GrainCluster.StartAsync(_folder.Path))
        {
            (await cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).LogActivity(Activity(RedPomegranate))).Outcome.Should().Be(LogOutcome.Created);
        }

        // Any connection this process opens, as the provider's pooled ones: NORMAL (1), not SQLite's default FULL (2).
        await using var connection = new SqliteConnection(new StorageOptions { DataDirectory = _folder.Path }.SqliteConnectionString);
        await connection.OpenAsync();
        await using var setting = connection.CreateCommand();
        setting.CommandText = "PRAGMA synchronous;";
        Convert.ToInt32(await setting.ExecuteScalarAsync()).Should().Be(1);

        await using var queries = connection.CreateCommand();
        queries.CommandText = "SELECT QueryText FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey', 'ClearStorageKey') ORDER BY QueryKey;";
        var texts = new List<string>();
        await using (var reader = await queries.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                texts.Add(reader.GetString(0));
            }
        }

        texts.Should().HaveCount(2).And.OnlyContain(t => !t.Contains("PRAGMA", StringComparison.OrdinalIgnoreCase));
        texts.Should().SatisfyRespectively(
            clear => clear.Should().StartWith("UPDATE OrleansStorage"),
            write => write.Should().StartWith("INSERT INTO OrleansStorage"));
    }

    [Fact]
    public async Task Writes_to_a_real_store_are_acknowledged_after_their_log_is_synced()
    {
        var path = Path.Combine(_folder.Path, "group.db");
        var connectionString = $"Data Source={path};Pooling=True;Default Timeout=30";
        await using (var setup = new SqliteConnection(connectionString))
        {
            await setup.OpenAsync();
            await using var command = setup.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE Rows (Id INTEGER PRIMARY KEY, Writer INTEGER NOT NULL);";
            await command.ExecuteNonQueryAsync();
        }

        var sync = WalGroupSync.ForDatabase(path);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(writer => Task.Run(async () =>
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = NORMAL; INSERT INTO Rows (Writer) VALUES ($writer);";
            command.Parameters.AddWithValue("$writer", writer);
            await command.ExecuteNonQueryAsync();
            await sync.AfterCommitAsync();
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        sync.Rounds.Should().BeInRange(1, 32);
        await using var check = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await check.OpenAsync();
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT COUNT(DISTINCT Writer) FROM Rows;";
        Convert.ToInt32(await count.ExecuteScalarAsync()).Should().Be(32);
    }
}
