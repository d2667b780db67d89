using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace VanguardHub.Bench;

/// <summary>
/// Many concurrent clients logging activities as fast as they are acknowledged, after the same clients hit a no-op
/// endpoint for the HTTP ceiling of this machine. Ends by checking that every acknowledged activity is stored once
/// and that the aggregates equal the log.
/// </summary>
internal static class IngestScenario
{
    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        var address = credentials.Address;
        Console.WriteLine($"ingest: {settings.Clients} clients for {settings.Seconds} s against {address}");
        using var client = credentials.AdminClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients });
        var teams = (await client.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray()
            .Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var enterprises = (await client.GetFromJsonAsync<JsonElement>("/api/enterprises")).EnumerateArray()
            .Select(e => e.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        // What is stored already, from the board (the consistency check reads the whole log: kept for the end, so that
        // a long history is not read into memory before the run).
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/board")).GetProperty("totals").GetProperty("activities").GetInt64();
        var factory = new ActivityFactory(teams, enterprises);
        foreach (var team in teams)
        {
            await credentials.LeaderToken(team);
        }

        // Each client is a team leader's phone, writing for its own team with its own token.
        async Task<bool> Log(Random random)
        {
            var team = teams[random.Next(teams.Length)];
            using var request = await credentials.LogRequest(team, factory.Next(random, team));
            return (await client.SendAsync(request)).StatusCode == HttpStatusCode.Created;
        }

        // A fresh process compiles its hot paths again, with profile-guided optimisation, over its first minute under
        // load (a CPU profile at 40 s still showed a fifth of the service's time in the JIT): the figures are taken
        // after a warm-up of the same load, whose activities are checked at the end like the rest.
        var warmUp = settings.WarmUpSeconds > 0 ? await Drive(settings with { Seconds = settings.WarmUpSeconds }, app, Log) : null;
        if (warmUp is not null)
        {
            Console.WriteLine($"warm-up: {warmUp.Succeeded} activities in {settings.WarmUpSeconds} s ({warmUp.PerSecond:F0}/s), {warmUp.Failed} failed");
        }

        // The HTTP ceiling: an anonymous no-op (the probe a load balancer calls), through the same middleware.
        using var anonymous = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients }) { BaseAddress = address };
        var noop = await Drive(settings, app, async _ => (await anonymous.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);
        var ingest = await Drive(settings, app, Log);
        var logged = ingest.Succeeded + (warmUp?.Succeeded ?? 0);
        var refused = ingest.Failed + (warmUp?.Failed ?? 0);

        using var checker = credentials.AdminClient();
        checker.Timeout = TimeSpan.FromMinutes(10);
        // The board takes the teams' reports a moment after they are stored: ask again while it catches up.
        var report = await checker.GetFromJsonAsync<JsonElement>("/api/admin/consistency");
        for (var attempt = 0; attempt < 10 && !report.GetProperty("consistent").GetBoolean(); attempt++)
        {
            await Task.Delay(500);
            report = await checker.GetFromJsonAsync<JsonElement>("/api/admin/consistency");
        }

        var stored = report.GetProperty("storedActivities").GetInt64() - before;
        var consistent = report.GetProperty("consistent").GetBoolean();
        var correct = consistent && stored == logged && refused == 0;
        Console.WriteLine($"acknowledged {logged} (warm-up included), failed {refused}, stored {stored}, aggregates equal the log: {consistent}"
                          + (consistent ? "" : $" ({report.GetProperty("differences")})"));

        return new ScenarioResult("ingest", correct,
        [
            noop.Row("no-op GET /healthz", ""),
            ingest.Row("POST /api/activities (durable, acknowledged)", $"ratio to no-op {ingest.PerSecond / noop.PerSecond:F3}; {ingest.Failed} failed"),
        ]);
    }

    private static async Task<Measured> Drive(Settings settings, AppProcess? app, Func<Random, Task<bool>> request)
    {
        var latencies = new List<double>[settings.Clients];
        var failed = 0;
        var cpuBefore = app?.CpuTime;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(settings.Seconds);
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            var random = new Random(c);
            while (clock.Elapsed < deadline)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await request(random);
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                if (ok)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        var cpu = app is null ? (double?)null : (app.CpuTime - cpuBefore!.Value).TotalSeconds / elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Measured(all, failed, elapsed, app?.RssMiB, cpu);
    }

    private sealed record Measured(double[] Latencies, int Failed, TimeSpan Elapsed, double? RssMiB, double? CpuPercent)
    {
        public long Succeeded => Latencies.Length;

        public double PerSecond => Latencies.Length / Elapsed.TotalSeconds;

        public ResultRow Row(string measure, string note) => new(measure, Succeeded, PerSecond,
            Stats.Percentile(Latencies, 0.50), Stats.Percentile(Latencies, 0.95), Stats.Percentile(Latencies, 0.99), RssMiB, CpuPercent, note);
    }
}
