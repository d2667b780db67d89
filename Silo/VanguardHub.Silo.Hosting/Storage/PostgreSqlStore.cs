using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Operations on a PostgreSQL store: does it answer, and moving a one-machine SQLite store into it.</summary>
public static class PostgreSqlStore
{
    private const string Columns =
        "GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version";

    private const string Order = "ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString";

    public static async Task CheckAsync(StorageOptions options, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(options.PostgreSqlConnectionString) { Timeout = 2, CommandTimeout = 2 }.ToString();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM OrleansQuery;", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Copies every grain state row of the SQLite store (all service ids) into the PostgreSQL store, in one transaction,
    /// then verifies the copy: the same rows, and the same digest over every row's identity, version and state. The
    /// state is stored in the same format by both engines, so equal rows mean equal aggregates and logs. Refuses a
    /// target that already holds grain state. Run it with the service stopped.
    /// </summary>
    public static async Task<long> CopyFromSqliteAsync(StorageOptions source, string targetConnectionString, TextWriter progress, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(source.SqlitePath))
        {
            throw new FileNotFoundException("There is no SQLite store to copy.", source.SqlitePath);
        }

        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).ApplyPostgreSqlAsync(targetConnectionString, cancellationToken);
        await using var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder(source.SqliteConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString());
        await sqlite.OpenAsync(cancellationToken);
        await using var postgres = new NpgsqlConnection(targetConnectionString);
        await postgres.OpenAsync(cancellationToken);

        if (await CountAsync(postgres, cancellationToken) > 0)
        {
            throw new InvalidOperationException("The PostgreSQL store already holds grain state; copy into an empty one.");
        }

        var total = await CountAsync(sqlite, cancellationToken);
        progress.WriteLine($"Copying {total:N0} grain state rows from {source.SqlitePath}.");
        var clock = Stopwatch.StartNew();
        long copied = 0;
        long journalEntries;
        await using (var transaction = await postgres.BeginTransactionAsync(cancellationToken))
        {
            await using (var importer = await postgres.BeginBinaryImportAsync(
                $"COPY OrleansStorage ({Columns}, ModifiedOn) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                await using var read = sqlite.CreateCommand();
                read.CommandText = $"SELECT {Columns} FROM OrleansStorage ORDER BY {Order};";
                await using var rows = await read.ExecuteReaderAsync(cancellationToken);
                var lastReport = TimeSpan.Zero;
                while (await rows.ReadAsync(cancellationToken))
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(rows.GetInt32(0), NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                    await importer.WriteAsync(rows.GetInt64(1), NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(rows.GetInt64(2), NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(rows.GetInt32(3), NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                    await importer.WriteAsync(rows.GetString(4), NpgsqlTypes.NpgsqlDbType.Varchar, cancellationToken);
                    await importer.WriteAsync(rows.GetString(5), NpgsqlTypes.NpgsqlDbType.Varchar, cancellationToken);
                    await importer.WriteAsync(rows.GetString(6), NpgsqlTypes.NpgsqlDbType.Varchar, cancellationToken);
                    if (rows.IsDBNull(7))
                    {
                        await importer.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await importer.WriteAsync((byte[])rows.GetValue(7), NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
                    }

                    await importer.WriteAsync(rows.GetInt32(8), NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken);
                    await importer.WriteAsync(DateTime.UtcNow, NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken);
                    copied++;
                    if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(1))
                    {
                        lastReport = clock.Elapsed;
                        var left = clock.Elapsed.TotalSeconds / copied * (total - copied);
                        progress.WriteLine($"  {copied:N0} of {total:N0} rows ({100.0 * copied / Math.Max(1, total):F0}%), about {left:F0} s left");
                    }
                }

                await importer.CompleteAsync(cancellationToken);
            }

            journalEntries = await CopyJournalAsync(sqlite, postgres, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        progress.WriteLine($"Copied {copied:N0} rows and {journalEntries:N0} journal entries in {clock.Elapsed.TotalSeconds:F1} s. Verifying…");
        var (sourceRows, sourceDigest) = await DigestAsync(sqlite, cancellationToken);
        var (targetRows, targetDigest) = await DigestAsync(postgres, cancellationToken);
        if (sourceRows != targetRows || sourceDigest != targetDigest)
        {
            throw new InvalidOperationException($"The copy differs from the source: {sourceRows} rows (digest {sourceDigest}) against {targetRows} (digest {targetDigest}).");
        }

        progress.WriteLine($"Verified: {targetRows:N0} rows, identical identities, versions and states (SHA-256 {targetDigest[..16]}…).");
        return copied;
    }

    /// <summary>
    /// The journal's entries (those a team state does not include yet, after a stop that was not clean), as they are:
    /// the teams apply them as they are activated on PostgreSQL.
    /// </summary>
    private static async Task<long> CopyJournalAsync(SqliteConnection sqlite, NpgsqlConnection postgres, CancellationToken cancellationToken)
    {
        await using (var exists = sqlite.CreateCommand())
        {
            exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'VanguardHubJournal';";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken)) == 0)
            {
                return 0;
            }
        }

        long copied = 0;
        await using var importer = await postgres.BeginBinaryImportAsync(
            "COPY VanguardHubJournal (ServiceId, StreamKey, EntryNumber, Payload) FROM STDIN (FORMAT BINARY)", cancellationToken);
        await using var read = sqlite.CreateCommand();
        read.CommandText = "SELECT ServiceId, StreamKey, EntryNumber, Payload FROM VanguardHubJournal ORDER BY Id;";
        await using var rows = await read.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(rows.GetString(0), NpgsqlTypes.NpgsqlDbType.Varchar, cancellationToken);
            await importer.WriteAsync(rows.GetString(1), NpgsqlTypes.NpgsqlDbType.Varchar, cancellationToken);
            await importer.WriteAsync(rows.GetInt64(2), NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync((byte[])rows.GetValue(3), NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
            copied++;
        }

        await importer.CompleteAsync(cancellationToken);
        return copied;
    }

    private static async Task<long> CountAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansStorage;";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>One digest over every row, in one order both engines agree on (ordinal text comparison).</summary>
    private static async Task<(long Rows, string Digest)> DigestAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM OrleansStorage;";
        var rows = new List<(string Key, byte[] Row)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = string.Join('\u001f', reader.GetString(6), reader.GetString(4), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(5));
                var payload = reader.IsDBNull(7) ? [] : (byte[])reader.GetValue(7);
                var row = System.Text.Encoding.UTF8.GetBytes($"{key}\u001f{reader.GetInt32(0)}\u001f{reader.GetInt32(3)}\u001f{reader.GetInt32(8)}\u001f")
                    .Concat(SHA256.HashData(payload)).ToArray();
                rows.Add((key, row));
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, row) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            hash.AppendData(row);
        }

        return (rows.Count, Convert.ToHexString(hash.GetHashAndReset()));
    }
}
