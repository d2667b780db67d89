using Microsoft.Extensions.Options;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// What every write to the store goes through, grain states and journal entries alike. SQLite takes one writer at a
/// time for the whole file: writes take turns here (a writer that found the file locked would sleep before retrying)
/// and, once committed, wait for a shared fsync of the write-ahead log (<see cref="WalGroupSync"/>). PostgreSQL takes
/// concurrent writers and syncs its own commits: there, writes pass straight through.
/// </summary>
internal sealed class StoreWriter
{
    public StoreWriter(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        if (storage.IsPostgreSql)
        {
            Turn = new SemaphoreSlim(int.MaxValue, int.MaxValue);
            return;
        }

        SqliteConnectionSetup.Register();
        Turn = new SemaphoreSlim(1, 1);
        GroupSync = WalGroupSync.ForDatabase(storage.SqlitePath, TimeSpan.FromMilliseconds(storage.SyncDelayMilliseconds));
    }

    /// <summary>Held while a write runs its statements.</summary>
    public SemaphoreSlim Turn { get; }

    /// <summary>SQLite's group commit: awaited after a commit, before the write counts as durable. Null for PostgreSQL.</summary>
    public WalGroupSync? GroupSync { get; }

    /// <summary>Completes once what was committed before the call is durable.</summary>
    public Task AfterCommitAsync() => GroupSync?.AfterCommitAsync() ?? Task.CompletedTask;
}
