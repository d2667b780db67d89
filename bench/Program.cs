using VanguardHub.Bench;

// VanguardHub benchmarks: dotnet run -c Release --project bench -- <scenario> [options]
//   ingest  durable ingest from many concurrent clients, against a no-op endpoint in the same run
//   push    latency from the 201 to the wall receiving the snapshot that contains the activity
//   all     every scenario, each on its own fresh store
// Options: --url URL (use a running service instead of starting one; VANGUARDHUB_ADMIN_PASSWORD must hold its admin password), --seconds N, --clients N, --walls N, --rate N,
//          --out FILE (JSON results, default bench-results.json)
var scenario = args.FirstOrDefault() ?? "";
var scenarios = scenario switch
{
    "ingest" => new[] { "ingest" },
    "push" => ["push"],
    "all" => ["ingest", "push"],
    _ => [],
};
if (scenarios.Length == 0)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- ingest|push|all [--url URL] [--seconds N] [--clients N] [--walls N] [--rate N] [--out FILE]");
    return 2;
}

var settings = Settings.Parse(args);
var results = new List<ScenarioResult>();
foreach (var name in scenarios)
{
    using var app = settings.Url is null ? AppProcess.Start(settings.AppSettings) : null;
    var credentials = await Credentials.SignInAsync(settings.Url ?? app!.Address, Credentials.AdminPassword(app));
    results.Add(name switch
    {
        "ingest" => await IngestScenario.Run(settings, credentials, app),
        _ => await PushScenario.Run(settings, credentials, app),
    });
}

Report.Print(results);
await Report.WriteJson(results, settings.Out);
return results.All(r => r.Correct) ? 0 : 1;

internal sealed record Settings(int Walls, int Rate, int Seconds, int Clients, Uri? Url, string Out, IReadOnlyDictionary<string, string> AppSettings)
{
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
                .ToDictionary(kv => kv[0].Replace(":", "__"), kv => kv.Length > 1 ? kv[1] : ""));
    }
}
