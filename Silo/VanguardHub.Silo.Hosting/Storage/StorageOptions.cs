using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Npgsql;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Where grain state is kept. Section "Storage" (environment: Storage__DataDirectory and so on).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    /// <summary>"Sqlite" (default: one file, one machine) or "PostgreSql" (a server; required for a cluster of several nodes).</summary>
    public string Engine { get; set; } = Sqlite;

    /// <summary>Npgsql connection string, for Engine "PostgreSql".</summary>
    public string? PostgreSqlConnectionString { get; set; }

    public bool IsPostgreSql => string.Equals(Engine, PostgreSql, StringComparison.OrdinalIgnoreCase);

    /// <summary>The ADO.NET invariant Orleans' providers load.</summary>
    public string Invariant => IsPostgreSql ? "Npgsql" : "System.Data.SQLite";

    /// <summary>
    /// Most connections one node opens to PostgreSQL (default 32), unless the connection string gives its own Maximum
    /// Pool Size. Npgsql's default, 100, is all of a stock server's <c>max_connections</c>: one node under load took
    /// 101 of them, and a second node would have been refused.
    /// </summary>
    [Range(1, 1000)]
    public int PostgreSqlMaxConnections { get; set; } = 32;

    /// <summary>
    /// How many of the statements it runs most each PostgreSQL connection keeps prepared on the server (Npgsql's
    /// automatic preparation; default 20, 0: none), unless the connection string gives its own Max Auto Prepare. The
    /// providers send the same dozen statements over and over; prepared, the server parses and plans each once per
    /// connection instead of on every call.
    /// </summary>
    [Range(0, 1000)]
    public int PostgreSqlMaxAutoPrepare { get; set; } = 20;

    public string ConnectionString => IsPostgreSql ? PostgreSqlPooledConnectionString : SqliteConnectionString;

    /// <summary>
    /// <see cref="PostgreSqlConnectionString"/> with the pool limited to <see cref="PostgreSqlMaxConnections"/>,
    /// statements prepared as <see cref="PostgreSqlMaxAutoPrepare"/> says, connections not reset on their way back
    /// to the pool and commands multiplexed over them, where it does not say otherwise itself.
    /// </summary>
    public string PostgreSqlPooledConnectionString
    {
        get
        {
            var given = new DbConnectionStringBuilder { ConnectionString = PostgreSqlConnectionString }.Keys.Cast<string>()
                .Select(k => k.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
            var pooled = new NpgsqlConnectionStringBuilder(PostgreSqlConnectionString);
            if (!given.Overlaps(["MAXIMUMPOOLSIZE", "MAXPOOLSIZE"]))
            {
                pooled.MaxPoolSize = Math.Max(PostgreSqlMaxConnections, pooled.MinPoolSize);
            }

            if (!given.Contains("MAXAUTOPREPARE"))
            {
                pooled.MaxAutoPrepare = PostgreSqlMaxAutoPrepare;
            }

            // A connection back in the pool is not reset: nothing here leaves state on a session (the schema's
            // advisory lock is taken on a connection of its own, outside the pool), and the reset Npgsql sends otherwise (six
            // statements, from RESET ALL to DISCARD SEQUENCES) ran on the server at every one of the tens of thousands
            // of times a minute a write takes a connection.
            if (!given.Contains("NORESETONCLOSE"))
            {
                pooled.NoResetOnClose = true;
            }

            // Statements from many writers share the pool's connections, several sent in one network write and
            // answered in one read, instead of each taking a connection for its round trip (Npgsql's multiplexing;
            // a transaction still has a connection to itself). Small writes come by the thousand a second here:
            // 2 activities to a request stored some fifth more a second with it. It needs the pool.
            if (!given.Contains("MULTIPLEXING") && pooled.Pooling)
            {
                pooled.Multiplexing = true;
            }

            return pooled.ToString();
        }
    }

    /// <summary>Data protection keys and other files the host keeps beside the store live in <see cref="DataDirectory"/> for both engines.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsPostgreSql && !string.Equals(Engine, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Storage:Engine must be {Sqlite} or {PostgreSql}, not \"{Engine}\".", [nameof(Engine)]);
        }

        if (IsPostgreSql && string.IsNullOrWhiteSpace(PostgreSqlConnectionString))
        {
            yield return new ValidationResult("Storage:PostgreSqlConnectionString is required when Storage:Engine is PostgreSql.", [nameof(PostgreSqlConnectionString)]);
        }
    }

    /// <summary>Folder of the SQLite file, relative to the working directory unless absolute (default "data").</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The SQLite file's name inside <see cref="DataDirectory"/> (default "vanguardhub.db").</summary>
    [Required]
    public string SqliteFile { get; set; } = "vanguardhub.db";

    /// <summary>How long a write waits for SQLite's single write lock before it fails (default 30 s).</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long SQLite's group commit waits before each fsync of its log, so that the writes of that moment share it
    /// (default 1 ms; 0: sync as soon as a write is waiting). Under load fewer, fuller fsyncs leave more of the machine
    /// to everything else; an idle service adds this much to each acknowledgement.
    /// </summary>
    [Range(0, 100)]
    public int SyncDelayMilliseconds { get; set; } = 1;

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFile));

    public string SqliteConnectionString => $"Data Source={SqlitePath};Pooling=True;Default Timeout={BusyTimeoutSeconds}";
}
