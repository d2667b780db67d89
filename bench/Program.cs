using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

// VanguardHub benchmarks. Scenario "push": from the 201 a team leader gets to the wall receiving the snapshot
// that contains the activity.
// Usage: dotnet run -c Release --project bench -- push [--walls 50] [--rate 50] [--seconds 10] [--url http://host:port]
if (args.FirstOrDefault() != "push")
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- push [--walls N] [--rate N] [--seconds N] [--url URL]");
    return 2;
}

var settings = Settings.Parse(args);
using var app = settings.Url is null ? AppProcess.Start() : null;
var address = settings.Url ?? app!.Address;
Console.WriteLine($"push latency: {settings.Walls} walls, {settings.Rate} activities/s for {settings.Seconds} s against {address}");

// An activity is in a snapshot when its team's count there exceeds its position in the team's log (its sequence).
// Each wall records when each (team, sequence) first arrived; matched with the acknowledgements afterwards,
// since a push can beat the 201 home.
var acknowledged = new ConcurrentDictionary<(string Team, long Sequence), long>();
var arrivals = new ConcurrentBag<((string Team, long Sequence) Key, long At)>();
var snapshotsPerWall = new ConcurrentDictionary<int, int>();
var walls = new List<HubConnection>();
for (var w = 0; w < settings.Walls; w++)
{
    var wall = w;
    var counted = new Dictionary<string, long>();
    var connection = new HubConnectionBuilder().WithUrl(new Uri(address, "/hubs/board")).Build();
    connection.On<JsonElement>("board", snapshot =>
    {
        var now = Stopwatch.GetTimestamp();
        snapshotsPerWall.AddOrUpdate(wall, 1, (_, n) => n + 1);
        lock (counted)
        {
            foreach (var entry in snapshot.GetProperty("leaderboard").EnumerateArray())
            {
                var team = entry.GetProperty("teamId").GetString()!;
                var count = entry.GetProperty("tally").GetProperty("activities").GetInt64();
                for (var sequence = counted.GetValueOrDefault(team); sequence < count; sequence++)
                {
                    arrivals.Add(((team, sequence), now));
                }

                counted[team] = Math.Max(count, counted.GetValueOrDefault(team));
            }
        }
    });
    await connection.StartAsync();
    walls.Add(connection);
}

using var client = new HttpClient { BaseAddress = address };
var teams = (await client.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray().Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
var total = settings.Rate * settings.Seconds;
var interval = TimeSpan.FromSeconds(1.0 / settings.Rate);
var started = Stopwatch.StartNew();
var posts = new List<Task>();
for (var i = 0; i < total; i++)
{
    var due = interval * i;
    if (due > started.Elapsed)
    {
        await Task.Delay(due - started.Elapsed);
    }

    var team = teams[i % teams.Length];
    posts.Add(Post(team));
}

await Task.WhenAll(posts);
await Task.Delay(2000);

var expected = acknowledged.Count * settings.Walls;
var sorted = arrivals
    .Where(a => acknowledged.ContainsKey(a.Key))
    .Select(a => Math.Max(0, Stopwatch.GetElapsedTime(acknowledged[a.Key], a.At).TotalMilliseconds))
    .Order()
    .ToArray();
Console.WriteLine($"acknowledged {acknowledged.Count} of {total}; deliveries seen {sorted.Length} of {expected}");
if (sorted.Length > 0)
{
    Console.WriteLine($"201 -> snapshot at the wall (ms): median {Percentile(sorted, 0.50):F0}, p95 {Percentile(sorted, 0.95):F0}, p99 {Percentile(sorted, 0.99):F0}, max {sorted[^1]:F0}");
}

Console.WriteLine($"snapshots per wall: {snapshotsPerWall.Values.DefaultIfEmpty().Average():F0} for {acknowledged.Count} activities");
foreach (var wall in walls)
{
    await wall.DisposeAsync();
}

return sorted.Length == expected ? 0 : 1;

async Task Post(string team)
{
    var id = Guid.NewGuid();
    var body = new
    {
        id,
        teamId = team,
        occurredAt = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:sszzz"),
        domain = "livelihood",
        district = "xishan",
        title = "基准测试活动",
        participants = 3,
        outcomes = new { residentsServed = 1 },
        partners = Array.Empty<string>(),
    };
    var response = await client.PostAsJsonAsync("/api/activities", body);
    var at = Stopwatch.GetTimestamp();
    if ((int)response.StatusCode == 201)
    {
        var stored = await response.Content.ReadFromJsonAsync<JsonElement>();
        acknowledged[(team, stored.GetProperty("sequence").GetInt64())] = at;
    }
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

internal sealed record Settings(int Walls, int Rate, int Seconds, Uri? Url)
{
    public static Settings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Settings(
            int.Parse(Value("--walls") ?? "50"),
            int.Parse(Value("--rate") ?? "50"),
            int.Parse(Value("--seconds") ?? "10"),
            Value("--url") is { } url ? new Uri(url) : null);
    }
}

/// <summary>The Dashboard, built next to this benchmark, on a fresh store and free ports.</summary>
internal sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-{Guid.NewGuid():N}");

    private AppProcess(int port)
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
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public static AppProcess Start()
    {
        var app = new AppProcess(FreePort());
        using var client = new HttpClient { BaseAddress = app.Address };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if (client.GetAsync("/api/board").Result.IsSuccessStatusCode)
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
