using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Operations on the SQLite store itself: is it there, copy it while it is in use, put a copy back.</summary>
public static class SqliteStore
{
    /// <summary>Opens the existing file (never creates one) and reads the provider's queries: the store answers.</summary>
    public static async Task CheckAsync(StorageOptions options, CancellationToken cancellationToken)
    {
        var connectionString = new SqliteConnectionStringBuilder(options.SqliteConnectionString)
        {
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 2,
        }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansQuery;";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// A consistent copy of the store while the service keeps writing, with SQLite's online backup: the copy is the
    /// store as of one instant. Prints progress as it goes.
    /// </summary>
    public static void Backup(StorageOptions options, string destination, TextWriter progress)
    {
        if (!File.Exists(options.SqlitePath))
        {
            throw new FileNotFoundException("There is no store to back up.", options.SqlitePath);
        }

        var target = Path.GetFullPath(destination);
        if (File.Exists(target))
        {
            throw new IOException($"{target} exists already; choose a new file.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var clock = Stopwatch.StartNew();
        using (var source = new SqliteConnection(options.SqliteConnectionString))
        using (var copy = new SqliteConnection($"Data Source={target};Pooling=False"))
        {
            source.Open();
            progress.WriteLine($"backing up {options.SqlitePath} ({new FileInfo(options.SqlitePath).Length / 1024} KiB before the log) to {target} ...");
            source.BackupDatabase(copy);
        }

        progress.WriteLine($"backup complete: {new FileInfo(target).Length / 1024} KiB in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Replaces the store with a backup. The service must be stopped: a running one would keep its own copy open.</summary>
    public static void Restore(StorageOptions options, string backup, TextWriter progress)
    {
        var source = Path.GetFullPath(backup);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException("There is no such backup.", source);
        }

        // The backup must be a store, not any file.
        using (var check = new SqliteConnection($"Data Source={source};Mode=ReadOnly;Pooling=False"))
        {
            check.Open();
            using var command = check.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM VanguardHubSchema;";
            command.ExecuteScalar();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(options.SqlitePath)!);
        foreach (var leftover in new[] { options.SqlitePath + "-wal", options.SqlitePath + "-shm" })
        {
            File.Delete(leftover);
        }

        File.Copy(source, options.SqlitePath, overwrite: true);
        progress.WriteLine($"restored {source} to {options.SqlitePath}; start the service and check GET /api/admin/consistency");
    }
}
