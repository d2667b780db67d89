using System.Diagnostics;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for the tests that run on PostgreSQL: started once per test run by the project's own
/// scripts/postgres.sh (which installs Debian's package when it is missing), in a temporary folder, on 127.0.0.1 and a
/// free port, and stopped when the run ends. VANGUARDHUB_TEST_POSTGRES, when set, names a server to use instead.
/// </summary>
internal static class PostgresServer
{
    private static readonly Lazy<string> Server = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string ConnectionString => Server.Value;

    /// <summary>The settings that put a host's storage on this server (or on <paramref name="database"/>, a connection string).</summary>
    public static Dictionary<string, string?> StorageSettings(string? database = null) => new()
    {
        ["Storage:Engine"] = "PostgreSql",
        ["Storage:PostgreSqlConnectionString"] = database ?? ConnectionString,
    };

    /// <summary>A new, empty database on the server (for a test that needs a store nobody else wrote to).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"vh_{Guid.NewGuid():N}";
        await using (var connection = new Npgsql.NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name};", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ToString();
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("VANGUARDHUB_TEST_POSTGRES") is { Length: > 0 } configured)
        {
            return configured;
        }

        var folder = Path.Combine(Path.GetTempPath(), $"vanguardhub-pg-{Guid.NewGuid():N}");
        var (exit, output) = Script("start", folder, FreePorts.Next().ToString());
        if (exit != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh could not start PostgreSQL:\n{output}");
        }

        // The folder belongs to the postgres user when the tests run as root: the script deletes it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Script("remove", folder);
        return output.Trim().Split('\n')[^1].Trim();
    }

    private static (int Exit, string Output) Script(params string[] args)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "postgres.sh"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(5));
        return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : stdout.Result + stderr.Result);
    }
}

/// <summary>The repository's root folder, found from the test assembly's location.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "VanguardHub.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("VanguardHub.sln not found above the test assembly.");
    }
}
