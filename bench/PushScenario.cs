using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace VanguardHub.Bench;

/// <summary>From the 201 a team leader gets to a wall receiving the snapshot that contains the activity.</summary>
internal static class PushScenario
{
    // Target 2: from the 201 to the wall, p99 at most 250 ms, at 1,000 activities/s with 200 walls (the defaults).
    private const int TargetWalls = 200;
    private const int TargetRate = 1000;
    private const double P99TargetMs = 250;

    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        settings = settings with { Walls = settings.WallsGiven ? settings.Walls : TargetWalls, Rate = settings.RateGiven ? settings.Rate : TargetRate };
        var address = credentials.Address;
        var wallToken = await credentials.WallToken();
        var batch = Math.Max(1, settings.Batch);
        Console.WriteLine($"push: {settings.Walls} walls, {settings.Rate} activities/s for {settings.Seconds} s against {address}"
                          + (batch > 1 ? $", {batch} to a request" : ""));

        // The walls run in a process of their own (see PushWalls). An activity is in a snapshot when its team's count
        // there exceeds its position in the team's log (its sequence); the arrivals are matched with the
        // acknowledgements afterwards, since a push can beat the 201 home.
        var acknowledged = new ConcurrentDictionary<(string Team, long Sequence), long>();
        var (walls, connected) = await PushWalls.Child.Start(new Uri(address, settings.WallHubPath), wallToken, settings.Walls);
        using var _ = walls;
        Console.WriteLine($"connected {connected} of {settings.Walls} walls");

        // Connections are bounded, as ingest's clients are: at a fixed rate, a service that falls behind for a few
        // seconds (a fresh one compiling its hot paths) would otherwise be sent a new connection for every request
        // still unanswered, thousands of them, which the rest of the run then carries.
        using var client = credentials.AdminClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 });
        var teams = (await client.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray().Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();

        // As in ingest, the figures are taken after a warm-up of the same load, until the service's JIT has settled
        // (ServiceJit): at this rate a fresh service's JIT took 30-70% of a core for its first 50 s under load, and
        // the pushes waited for that CPU (after 30 s p99 281 and 550 ms, after 120 s 188 and 166 ms, alternated). The
        // warm-up's activities are checked at the end like the rest.
        var warmedUp = new ConcurrentDictionary<(string Team, long Sequence), long>();
        ServiceJit.WarmUp? warmUp = null;
        if (settings.WarmUpSeconds > 0)
        {
            warmUp = await ServiceJit.Drive(client, settings.WarmUpSeconds, async seconds => await Drive(seconds, warmedUp));
            Console.WriteLine($"warm-up: {warmedUp.Count} activities in {warmUp}");
        }

        var cpuBefore = (Service: app?.CpuTime, Walls: walls.CpuTime, Own: Process.GetCurrentProcess().TotalProcessorTime);
        var inside = await ServiceSide();
        var jitBefore = await ServiceJit.Read(client);
        var (total, driven) = await Drive(settings.Seconds, acknowledged);
        var jit = await ServiceJit.Since(client, jitBefore);
        var cpu = (Service: app is null ? (double?)null : Stats.CpuPercent(app.CpuTime - cpuBefore.Service!.Value, driven),
            Walls: Stats.CpuPercent(walls.CpuTime - cpuBefore.Walls, driven),
            Own: Stats.CpuPercent(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore.Own, driven));
        var rss = app?.RssMiB;
        await Task.Delay(2000);
        var insideAfter = await ServiceSide();
        var received = await walls.Stop();

        var warmUpLatencies = Latencies(received.Arrivals, warmedUp);
        if (warmUpLatencies.Length > 0)
        {
            Console.WriteLine($"warm-up, 201 -> snapshot at the wall (ms): median {Percentile(warmUpLatencies, 0.50):F0}, p99 {Percentile(warmUpLatencies, 0.99):F0}; "
                              + $"deliveries seen {warmUpLatencies.Length} of {warmedUp.Count * connected}");
        }

        var expected = acknowledged.Count * connected;
        var early = received.Arrivals.Count(a => acknowledged.TryGetValue((a.Team, a.Sequence), out var at) && a.At < at);
        var sorted = Latencies(received.Arrivals, acknowledged);
        var perWall = received.MessagesPerWall.DefaultIfEmpty().Average();
        Console.WriteLine($"acknowledged {acknowledged.Count} of {total}; deliveries seen {sorted.Length} of {expected}; {early} arrived before their 201");
        if (sorted.Length > 0)
        {
            Console.WriteLine($"201 -> snapshot at the wall (ms): median {Percentile(sorted, 0.50):F0}, p95 {Percentile(sorted, 0.95):F0}, p99 {Percentile(sorted, 0.99):F0}, max {sorted[^1]:F0}");
        }

        // Inside the service over the measured seconds: a push can be no faster than the write it reports.
        var written = insideAfter.Written.Minus(inside.Written);
        var sent = insideAfter.Sent.Minus(inside.Sent);
        Console.WriteLine($"the service's own histograms: submission -> durable 201 {written.Describe()}; recorded -> sent to its walls {sent.Describe()}");
        Console.WriteLine($"messages per wall: {perWall:F0} for {acknowledged.Count + warmedUp.Count} activities (warm-up included)");
        Console.WriteLine($"CPU while posting, of {Environment.ProcessorCount} cores: service {(cpu.Service is { } c ? $"{c:F0}%" : "not measured")}, walls {cpu.Walls:F0}%, writer {cpu.Own:F0}%");
        Console.WriteLine($"the service's JIT while posting: {(jit is { } j ? j.ToString() : "not reported")}");
        var warmUpDelivered = warmUpLatencies.Length == warmedUp.Count * connected;
        var correct = connected == settings.Walls && sorted.Length == expected && warmUpDelivered;
        var p99 = Percentile(sorted, 0.99);
        var verdict = new Verdict("2. push, 201 -> wall", $"p99 <= {P99TargetMs:F0} ms, {TargetWalls} walls, {TargetRate:N0}/s",
            $"p99 {p99:F0} ms (p50 {Percentile(sorted, 0.50):F0}), {settings.Walls} walls at {settings.Rate:N0}/s; {sorted.Length:N0} of {expected:N0} delivered"
            + (warmUp is null ? "" : $"; after a {warmUp.Seconds} s warm-up, whose own p99 was {Percentile(warmUpLatencies, 0.99):F0} ms"),
            settings.Walls == TargetWalls && settings.Rate == TargetRate ? correct && p99 <= P99TargetMs : null);
        return new ScenarioResult("push", correct, [
                    new ResultRow($"201 -> snapshot, {settings.Walls} walls at {settings.Rate}/s" + (batch > 1 ? $", {batch} to a request" : ""), acknowledged.Count, acknowledged.Count / (double)settings.Seconds,
                        Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), rss, cpu.Service,
                        $"{sorted.Length} of {expected} deliveries ({early} before their 201); "
                        + (warmUp is null ? "no warm-up; " : $"after a {warmUp.Seconds} s warm-up (its p99 {Percentile(warmUpLatencies, 0.99):F0} ms); ")
                        + (jit is { } rate ? $"the service's JIT meanwhile {rate}; " : "")
                        + $"{perWall:F0} messages per wall; "
                        + $"in the service, submission -> 201 {written.Describe()}, recorded -> sent {sent.Describe()}; "
                        + $"pushing up to {PushRate(settings)} snapshots/s; walls' process CPU {cpu.Walls:F0}%, writer {cpu.Own:F0}%")]) { Verdicts = [verdict] };

        // The service's histograms of its writes (201s only) and of its pushes' news (from an activity being recorded
        // to this host sending it to its walls; the newest activities of each push, which its feed lists).
        async Task<(ServiceHistograms.Buckets Written, ServiceHistograms.Buckets Sent)> ServiceSide() => (
            await ServiceHistograms.Read(client, "vanguardhub_activities_write_duration_seconds", "result=\"created\""),
            await ServiceHistograms.Read(client, "vanguardhub_push_latency_seconds"));

        // Posts at the rate for the given seconds, recording each acknowledged activity; returns how many and how long.
        async Task<(long Count, TimeSpan Elapsed)> Drive(int seconds, ConcurrentDictionary<(string Team, long Sequence), long> into)
        {
            var count = settings.Rate * seconds / batch * batch;
            var interval = TimeSpan.FromSeconds(batch / (double)settings.Rate);
            var started = Stopwatch.StartNew();
            var posts = new List<Task>();
            for (var i = 0; i < count / batch; i++)
            {
                await Pace.Until(started, interval * i);
                var team = teams[i % teams.Length];
                posts.Add(batch > 1 ? PostBatch(team, into) : Post(team, into));
            }

            await Task.WhenAll(posts);
            return (count, started.Elapsed);
        }

        async Task Post(string team, ConcurrentDictionary<(string Team, long Sequence), long> into)
        {
            using var request = await credentials.LogRequest(team, NewActivity(team));
            var response = await client.SendAsync(request);
            var at = Stopwatch.GetTimestamp();
            if ((int)response.StatusCode == 201)
            {
                var stored = await response.Content.ReadFromJsonAsync<JsonElement>();
                into[(team, stored.GetProperty("sequence").GetInt64())] = at;
            }
        }

        // Each activity of a batch is acknowledged when the batch's answer arrives.
        async Task PostBatch(string team, ConcurrentDictionary<(string Team, long Sequence), long> into)
        {
            using var request = await credentials.BatchRequest(team, [.. Enumerable.Range(0, batch).Select(_ => NewActivity(team))]);
            var response = await client.SendAsync(request);
            var at = Stopwatch.GetTimestamp();
            if ((int)response.StatusCode == 200)
            {
                foreach (var result in (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray())
                {
                    if (result.GetProperty("status").GetInt32() == 201)
                    {
                        into[(team, result.GetProperty("sequence").GetInt64())] = at;
                    }
                }
            }
        }

        static object NewActivity(string team)
        {
            var id = Guid.NewGuid();
            return new
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
        }
    }

    /// <summary>Milliseconds from each of these activities' 201 to each wall's arrival, sorted; a push that beat its 201 home waited for nothing.</summary>
    private static double[] Latencies(IEnumerable<PushWalls.Arrival> arrivals, ConcurrentDictionary<(string Team, long Sequence), long> acknowledged) =>
    [
        .. arrivals
            .Where(a => acknowledged.ContainsKey((a.Team, a.Sequence)))
            .Select(a => Math.Max(0, Stopwatch.GetElapsedTime(acknowledged[(a.Team, a.Sequence)], a.At).TotalMilliseconds))
            .Order(),
    ];

    private static double Percentile(double[] sorted, double p) => Stats.Percentile(sorted, p);

    /// <summary>
    /// Snapshots a second the started service pushes, unless set with --set Wall:MaxPushesPerSecond=N: 10, as in the
    /// browser scenario. The service's default of 4 adds up to 250 ms of waiting for the next push by itself.
    /// </summary>
    private const int SnapshotsPerSecond = 10;

    public static Dictionary<string, string> ServiceSettings(IReadOnlyDictionary<string, string> given) => Settings.Pushing(given, SnapshotsPerSecond);

    private static string PushRate(Settings settings) =>
        settings.Url is not null ? "the given service's rate of" : ServiceSettings(settings.AppSettings)[Settings.PushRateSetting];
}
