using System.Diagnostics;
using System.Net.Sockets;

namespace VanguardHub.Bench;

/// <summary>The Dashboard, built next to this benchmark, on a fresh store and free ports.</summary>
internal sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-{Guid.NewGuid():N}");

    private AppProcess(int port, IReadOnlyDictionary<string, string> settings)
    {
        Address = new Uri($"http://127.0.0.1:{port}");
        var dll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "Dashboard", "bin",
            new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0", "VanguardHub.Dashboard.dll");
        var info = new ProcessStartInfo("dotnet", [Path.GetFullPath(dll)]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ASPNETCORE_URLS"] = Address.ToString();
        info.Environment["Storage__DataDirectory"] = _data;
        info.Environment["Orleans__SiloPort"] = FreePort().ToString();
        info.Environment["Orleans__GatewayPort"] = FreePort().ToString();
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["VANGUARDHUB_ADMIN_PASSWORD"] = AdminPassword;
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>The first admin's password on this fresh store.</summary>
    public string AdminPassword { get; } = $"bench-{Guid.NewGuid():N}";

    public int Pid => _process.Id;

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

    public static AppProcess Start(IReadOnlyDictionary<string, string>? settings = null)
    {
        var app = new AppProcess(FreePort(), settings ?? new Dictionary<string, string>());
        using var client = new HttpClient { BaseAddress = app.Address };
        for (var i = 0; i < 300; i++)
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

        app.Dispose();
        throw new TimeoutException("The Dashboard did not start within 30 s.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
