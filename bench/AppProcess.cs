using System.Collections.Concurrent;
using System.Diagnostics;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Bench;

/// <summary>The Dashboard, built next to this benchmark, on a fresh store (or a fresh copy of a prepared one) and free ports.</summary>
internal sealed class AppProcess : IDisposable
{
    private static readonly string DashboardDll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "Dashboard", "bin",
        new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "VanguardHub.Dashboard.dll"));

    private readonly Process _process;
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-{Guid.NewGuid():N}");

    // The last lines the app printed, to explain a start that fails.
    private readonly ConcurrentQueue<string> _lastLines = new();

    private AppProcess(int port, IReadOnlyDictionary<string, string> settings, string? store)
    {
        Address = new Uri($"http://127.0.0.1:{port}");
        if (store is not null)
        {
            CopyDirectory(store, _data);
        }

        var info = DashboardCommand([]);
        info.Environment["ASPNETCORE_URLS"] = Address.ToString();
        info.Environment["Storage__DataDirectory"] = _data;
        info.Environment["VANGUARDHUB_ADMIN_PASSWORD"] = AdminPassword;
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        StartedAt = Stopwatch.GetTimestamp();
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>The first admin's password on this store (a fresh or copied store holds no accounts until the app starts).</summary>
    public string AdminPassword { get; } = $"bench-{Guid.NewGuid():N}";

    public int Pid => _process.Id;

    /// <summary>The <see cref="Stopwatch"/> timestamp taken immediately before the process was started.</summary>
    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory of the app process, in MiB.</summary>
    public double RssMiB
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64 / 1024.0 / 1024.0;
        }
    }

    /// <summary>CPU time the app process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the app and waits until it is ready.</summary>
    /// <param name="store">A prepared data directory: the app runs on a copy of it, deleted afterwards.</param>
    public static AppProcess Start(IReadOnlyDictionary<string, string>? settings = null, string? store = null)
    {
        var app = Launch(settings, store);
        using var client = new HttpClient { BaseAddress = app.Address };
        for (var i = 0; i < 300 && !app.HasExited; i++)
        {
            try
            {
                if (client.GetAsync("/readyz").Result.IsSuccessStatusCode)
                {
                    return app;
                }
            }
            catch (AggregateException)
            {
                // starting
            }

            Thread.Sleep(100);
        }

        var failure = app.Failure("did not start within 30 s");
        app.Dispose();
        throw failure;
    }

    /// <summary>Starts the app without waiting for it, for measuring its start-up.</summary>
    /// <param name="store">A prepared data directory: the app runs on a copy of it, deleted afterwards.</param>
    public static AppProcess Launch(IReadOnlyDictionary<string, string>? settings = null, string? store = null) =>
        new(FreePorts.Next(), settings ?? new Dictionary<string, string>(), store);

    /// <summary>
    /// Runs one of the app's commands (such as generate-history) to its end, each line it prints forwarded to this
    /// console behind <paramref name="prefix"/>; returns its exit code.
    /// </summary>
    public static async Task<int> RunCommand(IEnumerable<string> args, string prefix)
    {
        using var process = Process.Start(DashboardCommand(args))!;
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync();
        return process.ExitCode;

        void Forward(string? line)
        {
            if (line is not null)
            {
                Console.WriteLine($"{prefix}{line}");
            }
        }
    }

    /// <summary>Why the app is of no use, with the last lines it printed.</summary>
    /// <summary>The last lines the app printed (it logs warnings and errors only).</summary>
    public IReadOnlyList<string> LastLines => [.. _lastLines];

    public Exception Failure(string what) =>
        new InvalidOperationException($"The Dashboard {(HasExited ? $"exited with code {_process.ExitCode}" : what)}; it last printed:{Environment.NewLine}{string.Join(Environment.NewLine, _lastLines)}");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _process.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>`dotnet VanguardHub.Dashboard.dll args`, on free Orleans ports so it can run beside other instances, logging warnings only.</summary>
    private static ProcessStartInfo DashboardCommand(IEnumerable<string> args)
    {
        // From the project folder, as `dotnet run --project Dashboard` runs it: its pages and appsettings.json are there.
        var info = new ProcessStartInfo("dotnet", [DashboardDll, .. args])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(DashboardDll)!, "..", "..", "..")),
        };
        info.Environment["Orleans__SiloPort"] = FreePorts.Next().ToString();
        info.Environment["Orleans__GatewayPort"] = FreePorts.Next().ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        return info;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lastLines.Enqueue(line);
        while (_lastLines.Count > 20 && _lastLines.TryDequeue(out _))
        {
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}
