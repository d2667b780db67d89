using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// Applies the project's own schema steps (embedded SQL files, in name order) that the store has not seen yet,
/// each in a transaction, and records each one in VanguardHubSchema. Running it again changes nothing.
/// </summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator> logger)
{
    private const string ResourcePrefix = "VanguardHub.Schema.";

    /// <summary>
    /// The page size a new SQLite store is made with. A team's stored state (about 7 KB), an activity chunk (about
    /// 8 KB) and an index page (about 10 KB) each fit in one page of this size, so rewriting one puts one page in the
    /// write-ahead log. With SQLite's default of 4 KiB each spilled into overflow pages, which a rewrite frees and
    /// takes anew, the free list's pages changing with them: several pages, each its own writes to the log.
    /// </summary>
    public const int SqlitePageSize = 16384;

    public async Task<IReadOnlyList<string>> ApplySqliteAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // Before the first connection opens: every connection then commits without syncing, for the group commit.
        if (!SqliteConnectionSetup.Register())
        {
            LogSyncSettingRefused(logger);
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // Takes effect only on a file not yet written: a store made before keeps the page size it was made with.
        await ExecuteAsync(connection, null, $"PRAGMA page_size = {SqlitePageSize};", cancellationToken);

        // WAL lets readers go on while one writer commits; the setting stays with the file.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        return await ApplyStepsAsync(connection, "sqlite", cancellationToken);
    }

    /// <summary>
    /// Several nodes may start at once against one database: a session-level advisory lock lets one apply the steps
    /// while the others wait, then find them recorded. The lock's connection is not pooled: closing it ends the session,
    /// and with it the lock, even if the unlock below never reached the server (pooled connections are not reset).
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplyPostgreSqlAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({SchemaLockKey});", cancellationToken);
        try
        {
            return await ApplyStepsAsync(connection, "postgresql", cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({SchemaLockKey});", CancellationToken.None);
        }
    }

    /// <summary>The advisory lock's key: "VHSCHEMA" as a number, so no other application's lock collides with it by accident.</summary>
    private const long SchemaLockKey = 0x5648534348454D41;

    public static IReadOnlyList<string> StepsFor(string engine)
    {
        var prefix = $"{ResourcePrefix}{engine}/";
        return [.. typeof(SchemaMigrator).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n[prefix.Length..])
            .Order(StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<string>> ApplyStepsAsync(DbConnection connection, string engine, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null,
            "CREATE TABLE IF NOT EXISTS VanguardHubSchema (Step TEXT NOT NULL PRIMARY KEY, AppliedAt TEXT NOT NULL);",
            cancellationToken);

        var applied = new List<string>();
        foreach (var step in StepsFor(engine))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (await IsAppliedAsync(connection, transaction, step, cancellationToken))
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, ReadStep(engine, step), cancellationToken);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO VanguardHubSchema (Step, AppliedAt) VALUES (@step, @at);";
                AddParameter(record, "@step", step);
                AddParameter(record, "@at", DateTimeOffset.UtcNow.ToString("O"));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, engine, step);
            applied.Add(step);
        }

        return applied;
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, string step, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM VanguardHubSchema WHERE Step = @step;";
        AddParameter(command, "@step", step);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds a parameter to a command of either engine; returns it, for a command run again with new values.</summary>
    internal static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static string ReadStep(string engine, string step)
    {
        using var stream = typeof(SchemaMigrator).Assembly.GetManifestResourceStream($"{ResourcePrefix}{engine}/{step}")
            ?? throw new InvalidOperationException($"Schema step {engine}/{step} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema step {Engine}/{Step} applied")]
    private static partial void LogApplied(ILogger logger, string engine, string step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite refused the per-connection setup: each write syncs the write-ahead log itself (synchronous=FULL), which is as safe and slower")]
    private static partial void LogSyncSettingRefused(ILogger logger);
}
