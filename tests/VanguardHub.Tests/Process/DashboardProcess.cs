using System.Diagnostics;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Process;

/// <summary>The Dashboard app started as a real, separate process, as an operator would run it.</summary>
internal sealed class DashboardProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly List<string> _output = [];

    private DashboardProcess(System.Diagnostics.Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>A client with a bearer token of the role, issued by the first admin (a new token per call).</summary>
    public async Task<HttpClient> ClientAsync(string role, string? teamId = null) =>
        new HttpClient { BaseAddress = Address }.WithToken(await TokenAsync(role, teamId));

    /// <summary>A new bearer token of the role, issued by the first admin over a cookie session.</summary>
    public async Task<string> TokenAsync(string role, string? teamId = null)
    {
        using var admin = new HttpClient { BaseAddress = Address };
        await Sign.InAsync(admin, "admin", Sign.AdminPassword);
        return await Sign.IssueTokenAsync(admin, role, teamId);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <param name="adminPassword">VANGUARDHUB_ADMIN_PASSWORD for a first start; null leaves it unset.</param>
    /// <param name="settings">More configuration, as "Section:Key" (passed as environment variables).</param>
    public static async Task<DashboardProcess> StartAsync(
        string dataDirectory, int httpPort, string serviceId, string? adminPassword = Sign.AdminPassword, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var assembly = DashboardAssembly();

        // Run as `dotnet run --project Dashboard` does: from the project folder, where wwwroot is.
        var projectFolder = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(assembly)!, "..", "..", ".."));
        var info = new ProcessStartInfo("dotnet", [assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = projectFolder,
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Storage__DataDirectory"] = dataDirectory;
        info.Environment["Orleans__SiloPort"] = FreePorts.Next().ToString();
        info.Environment["Orleans__GatewayPort"] = FreePorts.Next().ToString();
        info.Environment["Orleans__ServiceId"] = serviceId;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            info.Environment[key.Replace(":", "__")] = value;
        }

        info.Environment.Remove(Sign.PasswordVariable);
        if (adminPassword is not null)
        {
            info.Environment[Sign.PasswordVariable] = adminPassword;
        }


        var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var started = new DashboardProcess(process, new Uri($"http://127.0.0.1:{httpPort}"));
        process.OutputDataReceived += (_, e) => started.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => started.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await started.WaitUntilServing(TimeSpan.FromSeconds(60));
        return started;
    }

    /// <summary>SIGTERM, as a service manager stops a service; waits for the process to exit by itself.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Runs the Dashboard's command mode (backup, restore) as its own process; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [DashboardAssembly(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed by the app.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        await Task.CompletedTask;
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }

    private async Task WaitUntilServing(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The dashboard exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // starting up
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The dashboard did not serve within {timeout}:\n{Output}");
    }

    /// <summary>The Dashboard's own build output, which the test project's build produces.</summary>
    private static string DashboardAssembly()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);

        // bin/<Configuration>/<tfm>/ of this test project mirrors the Dashboard's.
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var path = Path.Combine(Repository.Root, "Dashboard", "bin", configuration, tfm, "VanguardHub.Dashboard.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first.", path);
    }
}
