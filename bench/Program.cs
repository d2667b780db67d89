using VanguardHub.Bench;

// VanguardHub benchmarks: dotnet run -c Release --project bench -- <scenario> [options]
//   ingest  durable ingest from many concurrent clients, against a no-op endpoint in the same run
//   push    latency from the 201 to the wall receiving the snapshot that contains the activity (200 walls, 1,000/s)
//   fanout  1,000 wall clients on one node, each receiving every snapshot: delivery lag, clients dropped
//   history ingest on an empty store against the same on a store holding --history activities (default 1,000,000)
//   memory  RSS with 58 teams, 1,000 enterprises and --history activities, after every team's timeline is read
//   startup first successful request after process start, on an empty store and on the --history store
//   browser the wall in Chromium for --minutes (default 60) at 10 snapshots/s: JS heap and DOM nodes over time
//   all     every scenario, each on its own fresh store
// Each scenario runs at its target's load unless told otherwise; the bench ends with the targets, met or not.
// Options: --url URL (use a running service instead of starting one; VANGUARDHUB_ADMIN_PASSWORD must hold its admin password), --seconds N, --clients N, --walls N, --rate N,
//          --engine sqlite|postgres (postgres: a private server started by scripts/postgres.sh; not for history, memory, startup),
//          --whole-snapshots (push and fan-out walls take whole "board" snapshots instead of deltas, for comparison),
//          --warmup N (seconds of the same load at least before ingest's and push's figures are taken, default 30, then on
//                      until the service's JIT has settled, see ServiceJit; 0: none),
//          --batch N (ingest, push: each request carries N activities, to POST /api/activities/batch; default 1, to POST /api/activities),
//          --rounds N (history: how many runs on each store, taking turns; their medians are compared; default 3),
//          --heap-snapshots DIR (browser: saves the V8 heap snapshots it takes at the baseline and at the end, for DevTools' Memory panel),
//          --out FILE (JSON results, default bench-results.json)
// Hundreds of wall clients share this process's thread pool, which on two cores starts with two threads and adds
// more only slowly: a wall's messages then waited for a thread for seconds (200 walls at 100 activities/s: p50
// 1.3 s, against 0.2 s with enough threads), and the figures measured the load generator instead of the service.
ThreadPool.GetMinThreads(out var workers, out var completions);
ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completions, 64));

var scenario = args.FirstOrDefault() ?? "";
if (scenario == PushWalls.Command)
{
    return await PushWalls.RunChild(args);
}


var scenarios = scenario switch
{
    "ingest" => new[] { "ingest" },
    "push" or "fanout" or "history" or "memory" or "startup" or "browser" => [scenario],
    "all" => ["ingest", "push", "fanout", "history", "memory", "startup", "browser"],
    _ => [],
};
if (scenarios.Length == 0)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- ingest|push|fanout|history|memory|startup|browser|all [--url URL] [--seconds N] [--clients N] [--walls N] [--rate N] [--history N] [--minutes N] [--engine sqlite|postgres] [--whole-snapshots] [--warmup N] [--batch N] [--rounds N] [--heap-snapshots DIR] [--out FILE]");
    return 2;
}

var settings = Settings.Parse(args);
var results = new List<ScenarioResult>();

// --engine postgres: the services this benchmark starts store in a private PostgreSQL server of their own.
using var postgres = settings.Postgres && settings.Url is null ? PostgresServer.Start() : null;
foreach (var name in scenarios)
{
    // These start (and restart) the service themselves, on stores they fill first (SQLite files).
    if (name is "history" or "memory" or "startup")
    {
        if (postgres is not null)
        {
            Console.WriteLine($"{name}: runs on SQLite stores only; skipped with --engine postgres");
            continue;
        }

        results.Add(name switch
        {
            "history" => await HistoryScenarios.History(settings),
            "memory" => await HistoryScenarios.Memory(settings),
            _ => await HistoryScenarios.Startup(settings),
        });
        continue;
    }

    var appSettings = name switch
    {
        "browser" => BrowserScenario.ServiceSettings(settings.AppSettings),
        "push" => PushScenario.ServiceSettings(settings.AppSettings),
        "ingest" => IngestScenario.ServiceSettings(settings.AppSettings),
        _ => settings.AppSettings,
    };
    using var app = settings.Url is null ? AppProcess.Start(postgres?.AppSettings(appSettings) ?? appSettings) : null;
    var credentials = await Credentials.SignInAsync(settings.Url ?? app!.Address, Credentials.AdminPassword(app));
    results.Add(name switch
    {
        "ingest" => await IngestScenario.Run(settings, credentials, app),
        "fanout" => await FanoutScenario.Run(settings, credentials, app),
        "browser" => await BrowserScenario.Run(settings, credentials, app),
        _ => await PushScenario.Run(settings, credentials, app),
    });
}

Report.Print(results);
await Report.WriteJson(results, settings.Out);
return results.All(r => r.Correct) ? 0 : 1;

internal sealed record Settings(
    int Walls, int Rate, int Seconds, int Clients, Uri? Url, string Out, IReadOnlyDictionary<string, string> AppSettings,
    int History = 1_000_000, double Minutes = 60, bool WallsGiven = false, bool RateGiven = false, bool Postgres = false,
    bool WholeSnapshots = false, int WarmUpSeconds = 30, string? HeapSnapshots = null, int Batch = 1, int Rounds = 3)
{
    /// <summary>The started service's Wall:MaxPushesPerSecond, as the environment variable it is passed in.</summary>
    public const string PushRateSetting = "Wall__MaxPushesPerSecond";

    /// <summary>The settings for a started service that pushes up to <paramref name="perSecond"/> snapshots a second, unless --set says otherwise.</summary>
    public static Dictionary<string, string> Pushing(IReadOnlyDictionary<string, string> given, double perSecond)
    {
        var settings = new Dictionary<string, string>(given);
        settings.TryAdd(PushRateSetting, perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return settings;
    }

    /// <summary>The hub address a bench wall connects to: deltas, as the wall page asks for, unless --whole-snapshots.</summary>
    public string WallHubPath => WholeSnapshots ? "/hubs/board" : "/hubs/board?deltas=3";

    public static Settings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Settings(
            int.Parse(Value("--walls") ?? "50"),
            int.Parse(Value("--rate") ?? "50"),
            int.Parse(Value("--seconds") ?? "10"),
            int.Parse(Value("--clients") ?? "256"),
            Value("--url") is { } url ? new Uri(url) : null,
            Value("--out") ?? "bench-results.json",
            // --set Section:Key=value, passed to the started app (e.g. --set ActivityLog:ChunkCapacity=16)
            args.Select((a, i) => (a, i)).Where(x => x.a == "--set" && x.i + 1 < args.Length)
                .Select(x => args[x.i + 1].Split('=', 2))
                .ToDictionary(kv => kv[0].Replace(":", "__"), kv => kv.Length > 1 ? kv[1] : ""),
            int.Parse(Value("--history") ?? "1000000"),
            double.Parse(Value("--minutes") ?? "60", System.Globalization.CultureInfo.InvariantCulture),
            Value("--walls") is not null,
            Value("--rate") is not null,
            (Value("--engine") ?? "sqlite") switch
            {
                "sqlite" => false,
                "postgres" => true,
                var other => throw new ArgumentException($"--engine {other}: sqlite or postgres"),
            },
            args.Contains("--whole-snapshots"),
            int.Parse(Value("--warmup") ?? "30"),
            Value("--heap-snapshots"),
            int.Parse(Value("--batch") ?? "1"),
            Math.Max(1, int.Parse(Value("--rounds") ?? "3")));
    }
}
