using System.Collections.Concurrent;
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
    /// <summary>
    /// The started service's settings: its write limit (per leader, 50 a second by default) raised out of the way, since
    /// this measures how many activities the service can store, and 58 leaders writing that fast are far past it.
    /// </summary>
    public static Dictionary<string, string> ServiceSettings(IReadOnlyDictionary<string, string> given)
    {
        var settings = new Dictionary<string, string>(given);
        settings.TryAdd("Security__WritesPerSecond", "1000000");
        settings.TryAdd("Security__WriteBurst", "1000000");
        return settings;
    }

    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        var address = credentials.Address;
        Console.WriteLine($"ingest: {settings.Clients} clients for {settings.Seconds} s against {address}"
                          + (settings.Batch > 1 ? $", {settings.Batch} activities per request" : ""));
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

        // Each request is a team leader's phone writing for its team, with that team's token: one activity, or --batch
        // of them at once, as the phone's outbox sends what it saved while it had no signal. A client picks the team
        // afresh for every request (clients kept to one team each, four or five to a team, stored as many a second).
        async Task<int> Log(Random random)
        {
            var team = teams[random.Next(teams.Length)];
            if (settings.Batch <= 1)
            {
                using var single = await credentials.LogRequest(team, factory.Next(random, team));
                using var answer = await client.SendAsync(single);
                return answer.StatusCode == HttpStatusCode.Created ? 1 : Refused(answer);
            }

            using var request = await credentials.BatchRequest(team, Enumerable.Range(0, settings.Batch).Select(_ => factory.Next(random, team)).ToArray());
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return Refused(response);
            }

            var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results");
            if (results.EnumerateArray().FirstOrDefault(r => r.GetProperty("status").GetInt32() != 201) is { ValueKind: JsonValueKind.Object } refused)
            {
                return Failed($"an item answered {refused.GetProperty("status").GetInt32()}");
            }

            return results.GetArrayLength();
        }

        // A fresh process compiles its hot paths again, with profile-guided optimisation, over its first minute under
        // load (system-wide CPU profiles of the measured seconds: the service's JIT thread took 5% of the machine after
        // a 10-second warm-up, 0.15% after 40 s): the figures are taken after a warm-up of the same load, until the
        // JIT has settled (ServiceJit), whose activities are checked at the end like the rest.
        using var admin = credentials.AdminClient();
        admin.Timeout = TimeSpan.FromMinutes(10);
        var (warmUpSucceeded, warmUpFailed) = (0L, 0);
        if (settings.WarmUpSeconds > 0)
        {
            var warmUp = await ServiceJit.Drive(admin, settings.WarmUpSeconds, async seconds =>
            {
                var part = await Drive(settings with { Seconds = seconds }, app, Log);
                warmUpSucceeded += part.Succeeded;
                warmUpFailed += part.Failed;
            });
            Console.WriteLine($"warm-up: {warmUpSucceeded} activities ({warmUpSucceeded / (double)warmUp.Seconds:F0}/s), {warmUpFailed} failed, in {warmUp}");
        }

        // The HTTP ceiling: an anonymous no-op (the probe a load balancer calls), through the same middleware.
        using var anonymous = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients }) { BaseAddress = address };
        var noop = await Drive(settings, app, async _ => (await anonymous.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK ? 1 : 0);
        var jitBefore = await ServiceJit.Read(admin);
        var ingest = await Drive(settings, app, Log);
        var jit = await ServiceJit.Since(admin, jitBefore);
        Console.WriteLine($"the service's JIT while ingesting: {(jit is { } j ? j.ToString() : "not reported")}");
        var logged = ingest.Succeeded + warmUpSucceeded;
        var refused = ingest.Failed + warmUpFailed;

        // The board takes the teams' reports a moment after they are stored: ask again while it catches up.
        var report = await admin.GetFromJsonAsync<JsonElement>("/api/admin/consistency");
        for (var attempt = 0; attempt < 10 && !report.GetProperty("consistent").GetBoolean(); attempt++)
        {
            await Task.Delay(500);
            report = await admin.GetFromJsonAsync<JsonElement>("/api/admin/consistency");
        }

        var stored = report.GetProperty("storedActivities").GetInt64() - before;
        var consistent = report.GetProperty("consistent").GetBoolean();
        var correct = consistent && stored == logged && refused == 0;
        Console.WriteLine($"acknowledged {logged} (warm-up included), failed {refused}, stored {stored}, aggregates equal the log: {consistent}"
                          + (consistent ? "" : $" ({report.GetProperty("differences")})"));
        if (!Failures.IsEmpty)
        {
            Console.WriteLine($"failed requests: {string.Join("; ", Failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} x{f.Value}"))}");
            if (app is not null)
            {
                Console.WriteLine($"the service last printed:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", app.LastLines)}");
            }

            Failures.Clear();
        }

        var p99 = Stats.Percentile(ingest.Latencies, 0.99);
        var ratio = ingest.PerSecond / noop.PerSecond;
        var load = $"{settings.Clients} clients, {(settings.Batch > 1 ? $"{settings.Batch} to a request" : "one to a request")}";
        var measured = $"{ingest.PerSecond:N0}/s, p99 {p99:F0} ms per request ({load}); ratio to no-op {ratio:F3} (aim {RatioAim:F2})";
        var atTargetLoad = settings.Clients == TargetClients;
        var verdict = settings.Postgres
            ? new Verdict("1. ingest, PostgreSQL", $">= {PostgresTarget:N0} activities/s, {TargetClients} clients", measured,
                atTargetLoad ? correct && ingest.PerSecond >= PostgresTarget : null)
            : new Verdict("1. ingest, SQLite", $">= {SqliteTarget:N0} activities/s, p99 <= {SqliteP99TargetMs:F0} ms, {TargetClients} clients", measured,
                atTargetLoad ? correct && ingest.PerSecond >= SqliteTarget && p99 <= SqliteP99TargetMs : null);
        return new ScenarioResult("ingest", correct,
        [
            noop.Row("no-op GET /healthz", ""),
            ingest.Row(settings.Batch > 1 ? $"POST /api/activities/batch, {settings.Batch} each (durable, acknowledged)" : "POST /api/activities (durable, acknowledged)",
                $"activities/s; ratio to no-op {ratio:F3}; {ingest.Failed} requests failed"
                + (settings.Batch > 1 ? $"; latency per request, {ingest.Requests / ingest.Elapsed.TotalSeconds:F0} requests/s" : "")
                + (jit is { } rate ? $"; the service's JIT meanwhile {rate}" : "")),
        ]) { Verdicts = [verdict] };
    }

    // Target 1: durable ingest from 256 concurrent clients over the 58 teams, every acknowledged activity stored.
    private const int TargetClients = 256;
    private const double SqliteTarget = 10_000;
    private const double SqliteP99TargetMs = 100;
    private const double PostgresTarget = 15_000;

    // The long-term aim for the ingest rate against the no-op endpoint's in the same run.
    private const double RatioAim = 0.25;

    // Why requests failed, counted by reason, so that a failed run says what went wrong.
    private static readonly ConcurrentDictionary<string, int> Failures = new();

    private static int Refused(HttpResponseMessage response) => Failed($"HTTP {(int)response.StatusCode}");

    /// <summary>Counts a failure under <paramref name="reason"/>; a failed request acknowledged nothing.</summary>
    private static int Failed(string reason)
    {
        Failures.AddOrUpdate(reason, 1, (_, n) => n + 1);
        return 0;
    }

    /// <summary>Each client sends requests one after another until the time is up; a request answers how many activities it had acknowledged (0: failed).</summary>
    private static async Task<Measured> Drive(Settings settings, AppProcess? app, Func<Random, Task<int>> request)
    {
        var latencies = new List<double>[settings.Clients];
        var failed = 0;
        var acknowledged = 0L;
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
                int count;
                try
                {
                    count = await request(random);
                }
                catch (HttpRequestException e)
                {
                    count = Failed(e.HttpRequestError.ToString());
                }

                if (count > 0)
                {
                    Interlocked.Add(ref acknowledged, count);
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
        return new Measured(all, acknowledged, failed, elapsed, app?.RssMiB, cpu);
    }

    /// <param name="Latencies">Of each request that succeeded.</param>
    /// <param name="Succeeded">Activities (or no-op requests) acknowledged.</param>
    private sealed record Measured(double[] Latencies, long Succeeded, int Failed, TimeSpan Elapsed, double? RssMiB, double? CpuPercent)
    {
        public long Requests => Latencies.Length;

        public double PerSecond => Succeeded / Elapsed.TotalSeconds;

        public ResultRow Row(string measure, string note) => new(measure, Succeeded, PerSecond,
            Stats.Percentile(Latencies, 0.50), Stats.Percentile(Latencies, 0.95), Stats.Percentile(Latencies, 0.99), RssMiB, CpuPercent, note);
    }
}
