using System.Diagnostics;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Bench;

/// <summary>
/// A private PostgreSQL server for `--engine postgres`, started by the repository's scripts/postgres.sh in a temporary
/// folder on a free port, and removed at the end. Every service the benchmark starts on it gets a service id of its
/// own, which gives it an empty store in the same database.
/// </summary>
internal sealed class PostgresServer : IDisposable
{
    private static readonly string Script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "scripts", "postgres.sh"));

    private readonly string _folder;

    private PostgresServer(string folder, string connectionString) => (_folder, ConnectionString) = (folder, connectionString);

    public string ConnectionString { get; }

    public static PostgresServer Start()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-pg-{Guid.NewGuid():N}");
        var (exit, output) = Run("start", folder, FreePorts.Next().ToString());
        if (exit != 0)
        {
            throw new InvalidOperationException($"scripts/postgres.sh could not start PostgreSQL:\n{output}");
        }

        return new PostgresServer(folder, output.Trim().Split('\n')[^1].Trim());
    }

    /// <summary>The settings that put a started service on this server, on an empty store of its own.</summary>
    public Dictionary<string, string> AppSettings(IReadOnlyDictionary<string, string> settings) => new(settings)
    {
        ["Storage__Engine"] = "PostgreSql",
        ["Storage__PostgreSqlConnectionString"] = ConnectionString,
        ["Orleans__ServiceId"] = $"bench-{Guid.NewGuid():N}",
    };

    public void Dispose() => Run("remove", _folder);

    private static (int Exit, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo("bash", [Script, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, process.ExitCode == 0 ? stdout.Result : stdout.Result + stderr.Result);
    }
}
