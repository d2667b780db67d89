using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VanguardHub.Bench;

/// <summary>
/// The service with a long history (--history activities, 58 teams, 1,000 partner enterprises): ingest against an
/// empty store and against the long one, memory after every timeline has been read, and the time from process start
/// to the first successful request. Each run starts the service itself, on a fresh copy of one <see cref="PreparedStore"/>.
/// </summary>
internal static class HistoryScenarios
{
    private const double IngestRatioTarget = 0.90;
    private const double RssTargetMB = 400;

    // The history targets 4, 5 and 6 name: a store holding a million activities.
    private const int TargetHistory = 1_000_000;
    private const int StartRuns = 5;

    // The largest page GET /api/teams/{id}/activities serves.
    private const int TimelinePageSize = 200;

    private static readonly TimeSpan EmptyStartTarget = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StoreStartTarget = TimeSpan.FromSeconds(3);

    // How long a start may take before the run counts as failed rather than slow.
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    /// <summary>Target 4: ingest with the history stored runs at 90 % or more of the rate on an empty store.</summary>
    public static async Task<ScenarioResult> History(Settings settings)
    {
        if (Refused("history", settings) is { } refused)
        {
            return refused;
        }

        // One run on each store moves by a tenth from one quarter of an hour to the next on a shared machine, whatever
        // the build: the two stores take turns (--rounds pairs, which one goes first alternating), and the medians of
        // their rates are compared.
        var store = await PreparedStore.Get(settings.History);
        var empty = new List<ScenarioResult>();
        var stored = new List<ScenarioResult>();
        for (var round = 1; round <= settings.Rounds; round++)
        {
            foreach (var withHistory in round % 2 == 1 ? new[] { false, true } : [true, false])
            {
                Console.WriteLine($"history: round {round} of {settings.Rounds}: ingest on {(withHistory ? $"a copy of the store holding {settings.History:N0} activities" : "an empty store")}");
                (withHistory ? stored : empty).Add(await Ingest(settings, store, withHistory));
            }
        }

        // IngestScenario's rows: the no-op ceiling, then the durable ingest.
        static double IngestRate(ScenarioResult run) => run.Rows[1].PerSecond;
        static double AgainstNoop(ScenarioResult run) => run.Rows[1].PerSecond / run.Rows[0].PerSecond;
        var (storedMedian, emptyMedian) = (Stats.Median(stored.Select(IngestRate)), Stats.Median(empty.Select(IngestRate)));
        var ratio = storedMedian / emptyMedian;
        var againstNoop = Stats.Median(stored.Select(AgainstNoop)) / Stats.Median(empty.Select(AgainstNoop));
        var pairs = empty.Zip(stored, (e, s) => IngestRate(s) / IngestRate(e)).ToArray();
        var met = ratio >= IngestRatioTarget;
        string Rates(IEnumerable<ScenarioResult> runs) => string.Join(", ", runs.Select(r => IngestRate(r).ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine($"history: activities/s on the empty store {Rates(empty)}, with {settings.History:N0} stored {Rates(stored)}");
        Console.WriteLine($"history: with {settings.History:N0} stored, the median ingest rate is {ratio:P1} of the empty store's median; the {IngestRatioTarget:P0} target is {(met ? "met" : "NOT met")}");

        var label = $"{settings.History:N0} stored";
        var rows = new List<ResultRow>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var (run, name) in new[] { (empty[round], "empty"), (stored[round], label) })
            {
                rows.Add(run.Rows[0] with { Measure = $"{name}, round {round + 1}: no-op GET /healthz" });
                rows.Add(run.Rows[1] with { Measure = $"{name}, round {round + 1}: POST /api/activities" });
            }
        }

        rows.Add(new ResultRow("ingest rate, stored / empty", 0, double.NaN, double.NaN, double.NaN, double.NaN, null, null,
            $"{ratio:F3} (medians of {settings.Rounds} runs each); target >= {IngestRatioTarget:F2}: {(met ? "met" : "NOT met")}; "
            + $"round by round {string.Join(", ", pairs.Select(p => p.ToString("F3", CultureInfo.InvariantCulture)))}; each against its run's no-op rate: {againstNoop:F3}"));
        var correct = empty.Concat(stored).All(r => r.Correct);
        return new ScenarioResult("history", correct, rows)
        {
            Verdicts =
            [
                new Verdict("4. history", $"stored / empty >= {IngestRatioTarget:F2}, 1,000,000 stored",
                    $"{ratio:F3} (medians of {settings.Rounds} rounds: {storedMedian:N0} against {emptyMedian:N0}/s), {settings.History:N0} stored",
                    settings.History == TargetHistory ? correct && met : null),
            ],
        };
    }

    /// <summary>
    /// Target 5: RSS at most 400 MB once every team's whole timeline has been read and every enterprise is active,
    /// sampled right after the reads and 30 s and 60 s later.
    /// </summary>
    public static async Task<ScenarioResult> Memory(Settings settings)
    {
        if (Refused("memory", settings) is { } refused)
        {
            return refused;
        }

        var store = await PreparedStore.Get(settings.History);
        using var app = AppProcess.Start(store.AppSettings(settings), store.DataDirectory);
        var ready = app.RssMiB;
        var credentials = await Credentials.SignInAsync(app.Address, app.AdminPassword);
        using var client = credentials.AdminClient();
        Console.WriteLine($"memory: RSS {ready:F0} MiB when ready, on a copy of the store holding {settings.History:N0} activities");

        using var sampling = new CancellationTokenSource();
        var peakDuringReads = SamplePeak(app, sampling.Token);
        var clock = Stopwatch.StartNew();

        var enterprises = (await client.GetFromJsonAsync<JsonElement>("/api/enterprises")).EnumerateArray()
            .Select(e => e.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var summariesRead = 0;
        await Parallel.ForEachAsync(enterprises, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, cancel) =>
        {
            using var response = await client.GetAsync($"/api/enterprises/{id}", cancel);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref summariesRead);
            }
        });

        var summariesTime = clock.Elapsed;
        var teams = (await client.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray()
            .Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var latencies = new ConcurrentBag<double>();
        var reads = new ConcurrentBag<TimelineRead>();
        await Parallel.ForEachAsync(teams, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (team, _) =>
            reads.Add(await ReadTimeline(client, team, latencies)));
        var readTime = clock.Elapsed;
        var timelinesTime = readTime - summariesTime;
        await sampling.CancelAsync();
        var peak = await peakDuringReads;

        var afterReads = app.RssMiB;
        Console.WriteLine($"memory: after the reads, {await MemoryBreakdown(client, app.Pid)}");
        var read = reads.Sum(r => (long)r.Read);
        Console.WriteLine($"memory: read {read:N0} activities of {teams.Length} teams and {summariesRead:N0} enterprise summaries in {readTime.TotalSeconds:F0} s; RSS {afterReads:F0} MiB (peak during the reads {peak:F0} MiB)");
        await Task.Delay(TimeSpan.FromSeconds(30));
        var after30 = app.RssMiB;
        Console.WriteLine($"memory: RSS {after30:F0} MiB 30 s later");
        await Task.Delay(TimeSpan.FromSeconds(30));
        var after60 = app.RssMiB;
        Console.WriteLine($"memory: RSS {after60:F0} MiB 60 s later; {await MemoryBreakdown(client, app.Pid)}");

        var board = (await client.GetFromJsonAsync<JsonElement>("/api/board")).GetProperty("totals").GetProperty("activities").GetInt64();
        var wrong = reads.Where(r => !r.Whole).Select(r => r.Team).Order().ToArray();
        var correct = wrong.Length == 0 && read == settings.History && board == settings.History
            && enterprises.Length == PreparedStore.Enterprises && summariesRead == enterprises.Length;
        Console.WriteLine($"memory: {read:N0} activities read of {settings.History:N0} generated; board total {board:N0}; {enterprises.Length:N0} enterprises, {summariesRead:N0} summaries read"
            + (wrong.Length > 0 ? $"; timelines not read whole: {string.Join(", ", wrong)}" : ""));

        var samples = new[] { afterReads, after30, after60 };
        var max = samples.Max();
        var met = MB(max) <= RssTargetMB;
        Console.WriteLine($"memory: RSS after the reads at most {MB(max):F0} MB; the {RssTargetMB:F0} MB target is {(met ? "met" : "NOT met")}");
        var pages = latencies.Order().ToArray();
        var verdict = new Verdict("5. memory", $"RSS <= {RssTargetMB:F0} MB, 1,000,000 stored, every timeline read",
            $"{MB(max):F0} MB at most after the reads ({afterReads:F0} / {after30:F0} / {after60:F0} MiB: then, 30 s and 60 s later), {settings.History:N0} stored",
            settings.History == TargetHistory ? correct && met : null);
        return new ScenarioResult("memory", correct,
        [
            new ResultRow("RSS when ready", 1, double.NaN, double.NaN, double.NaN, double.NaN, ready, null, ""),
            new ResultRow($"timeline pages of {teams.Length} teams, {TimelinePageSize} a page", pages.Length, pages.Length / timelinesTime.TotalSeconds,
                Stats.Percentile(pages, 0.50), Stats.Percentile(pages, 0.95), Stats.Percentile(pages, 0.99), peak, null,
                $"{read:N0} activities in {timelinesTime.TotalSeconds:F0} s, after {summariesRead:N0} enterprise summaries in {summariesTime.TotalSeconds:F0} s; RSS: peak during all the reads"),
            new ResultRow("RSS after the reads: now, +30 s, +60 s", samples.Length, double.NaN, double.NaN, double.NaN, double.NaN, max, null,
                $"{afterReads:F0} / {after30:F0} / {after60:F0} MiB; max {MB(max):F0} MB, last {MB(after60):F0} MB; target <= {RssTargetMB:F0} MB: {(met ? "met" : "NOT met")}"),
        ]) { Verdicts = [verdict] };
    }

    /// <summary>
    /// Where the resident memory is: the managed heap after the last collection and the memory the collector has
    /// committed (from /metrics), grain activations, and the process's anonymous and file-backed resident pages.
    /// </summary>
    private static async Task<string> MemoryBreakdown(HttpClient admin, int pid)
    {
        var metrics = await admin.GetStringAsync("/metrics");
        double Sum(string name) => metrics.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is ' ' or '{'))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var rollup = File.Exists($"/proc/{pid}/smaps_rollup") ? await File.ReadAllLinesAsync($"/proc/{pid}/smaps_rollup") : [];
        double Kb(string field) => rollup.Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        return $"managed heap {Sum("dotnet_gc_last_collection_heap_size_bytes") / 1048576:F0} MiB, GC committed "
            + $"{Sum("dotnet_gc_last_collection_memory_committed_size_bytes") / 1048576:F0} MiB, {Sum("orleans_catalog_activations"):F0} grain activations; "
            + $"resident anonymous {Kb("Anonymous") / 1024:F0} MiB, file-backed {(Kb("Rss") - Kb("Anonymous")) / 1024:F0} MiB";
    }

    /// <summary>Target 6: the first successful request within 2 s of process start on an empty store, 3 s on the long one.</summary>
    public static async Task<ScenarioResult> Startup(Settings settings)
    {
        if (Refused("startup", settings) is { } refused)
        {
            return refused;
        }

        var store = await PreparedStore.Get(settings.History);
        var rows = new List<ResultRow>();
        var medians = new List<(string Label, double Ms, TimeSpan Target)>();
        var correct = true;
        foreach (var (label, data, expected, target) in new[]
        {
            ("empty store", null, 0, EmptyStartTarget),
            ($"{settings.History:N0} stored", store.DataDirectory, settings.History, StoreStartTarget),
        })
        {
            // One start first that is not timed: it brings the store's files and the service's assemblies into the page
            // cache, and compiles this benchmark's own polling code, which would otherwise share the two cores with the
            // first timed start.
            var warm = await TimeStart(store.AppSettings(settings), data);
            Console.WriteLine($"startup: {label}, untimed start: /healthz after {warm.Healthz.Ms:F0} ms");
            var healthz = new List<double>();
            var readyz = new List<double>();
            var cpu = new List<double>();
            for (var run = 1; run <= StartRuns; run++)
            {
                var start = await TimeStart(store.AppSettings(settings), data);
                healthz.Add(start.Healthz.Ms);
                readyz.Add(start.Readyz.Ms);
                cpu.Add(start.Healthz.CpuMs);
                correct &= start.BoardActivities == expected;
                Console.WriteLine($"startup: {label}, run {run}: first 200 of /healthz after {start.Healthz.Ms:F0} ms (the service had used {start.Healthz.CpuMs:F0} ms of CPU), "
                    + $"of /readyz after {start.Readyz.Ms:F0} ms; the board counts {start.BoardActivities:N0} activities");
            }

            // On a machine whose speed varies from minute to minute, the CPU a start takes moves less than its duration.
            var cpuNote = $"; CPU used by the first 200 of /healthz: median {Stats.Percentile([.. cpu.Order()], 0.50):F0} ms (runs {string.Join(", ", cpu.Select(c => c.ToString("F0", CultureInfo.InvariantCulture)))})";
            rows.Add(StartRow($"{label}: first 200 of GET /healthz", healthz, target, cpuNote));
            rows.Add(StartRow($"{label}: first 200 of GET /readyz", readyz, target));
            medians.Add((label, Stats.Median(healthz), target));
        }

        var verdict = new Verdict("6. start-up, first 200", $"<= {EmptyStartTarget.TotalSeconds:F0} s empty, <= {StoreStartTarget.TotalSeconds:F0} s with 1,000,000 stored",
            $"medians of {StartRuns}: " + string.Join(", ", medians.Select(m => $"{m.Label} {m.Ms:N0} ms")),
            settings.History == TargetHistory ? correct && medians.All(m => m.Ms <= m.Target.TotalMilliseconds) : null);
        return new ScenarioResult("startup", correct, rows) { Verdicts = [verdict] };
    }

    private static double MB(double mebibytes) => mebibytes * 1024 * 1024 / 1e6;

    private static ScenarioResult? Refused(string scenario, Settings settings)
    {
        if (settings.Url is null)
        {
            return null;
        }

        var note = $"{scenario} starts the service itself, on copies of a prepared store; run it without --url";
        Console.WriteLine($"{scenario}: not run: {note}");
        return new ScenarioResult(scenario, false, [new ResultRow("not run", 0, double.NaN, double.NaN, double.NaN, double.NaN, null, null, note)]);
    }

    private static async Task<ScenarioResult> Ingest(Settings settings, PreparedStore store, bool withHistory)
    {
        // The same service as the ingest scenario's, write limit raised: at some 70 activities a second per leader a
        // run outlasted the default allowance and ended with 429s.
        using var app = AppProcess.Start(IngestScenario.ServiceSettings(store.AppSettings(settings)), withHistory ? store.DataDirectory : null);
        var credentials = await Credentials.SignInAsync(app.Address, app.AdminPassword);
        return await IngestScenario.Run(settings, credentials, app);
    }

    /// <summary>The highest RSS of the app, sampled every 250 ms until cancelled.</summary>
    private static async Task<double> SamplePeak(AppProcess app, CancellationToken cancel)
    {
        var peak = app.RssMiB;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                peak = Math.Max(peak, app.RssMiB);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return Math.Max(peak, app.RssMiB);
    }

    /// <summary>A team's whole timeline, page by page; whole when every page reports the same total and that many distinct activities came back.</summary>
    private static async Task<TimelineRead> ReadTimeline(HttpClient client, string team, ConcurrentBag<double> latencies)
    {
        var ids = new HashSet<Guid>();
        var items = 0;
        int? total = null;
        var totalsAgree = true;
        for (var page = 1; total is null || (page - 1) * TimelinePageSize < total; page++)
        {
            var started = Stopwatch.GetTimestamp();
            var body = await client.GetFromJsonAsync<JsonElement>($"/api/teams/{team}/activities?page={page}&pageSize={TimelinePageSize}");
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var pageTotal = body.GetProperty("total").GetInt32();
            totalsAgree &= total is null || total == pageTotal;
            total ??= pageTotal;
            foreach (var item in body.GetProperty("items").EnumerateArray())
            {
                ids.Add(item.GetProperty("id").GetGuid());
                items++;
            }
        }

        return new TimelineRead(team, ids.Count, totalsAgree && items == total && ids.Count == total);
    }

    private static async Task<StartTimes> TimeStart(IReadOnlyDictionary<string, string> appSettings, string? store)
    {
        using var app = AppProcess.Launch(appSettings, store);
        using var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(5) };
        var firstOk = await Task.WhenAll(FirstOk(app, client, "/healthz"), FirstOk(app, client, "/readyz"));

        // That the service started on the store it was given: the board counts what the store holds.
        var credentials = await Credentials.SignInAsync(app.Address, app.AdminPassword);
        using var admin = credentials.AdminClient();
        var board = (await admin.GetFromJsonAsync<JsonElement>("/api/board")).GetProperty("totals").GetProperty("activities").GetInt64();
        return new StartTimes(firstOk[0], firstOk[1], board);
    }

    /// <summary>
    /// Milliseconds from process start to the first 200 of GET <paramref name="path"/>, asking every 10 ms, and the CPU
    /// time the service had used by then.
    /// </summary>
    private static async Task<FirstAnswer> FirstOk(AppProcess app, HttpClient client, string path)
    {
        while (Stopwatch.GetElapsedTime(app.StartedAt) < StartLimit && !app.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var elapsed = Stopwatch.GetElapsedTime(app.StartedAt).TotalMilliseconds;
                    return new FirstAnswer(elapsed, app.CpuTime.TotalMilliseconds);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // listening, but no answer within the client's timeout
            }

            await Task.Delay(10);
        }

        throw app.Failure($"did not answer {path} with a 200 within {StartLimit.TotalSeconds:F0} s");
    }

    private static ResultRow StartRow(string measure, List<double> runs, TimeSpan target, string note = "")
    {
        var sorted = runs.Order().ToArray();
        var median = Stats.Percentile(sorted, 0.50);
        var met = median <= target.TotalMilliseconds;
        return new ResultRow(measure, runs.Count, double.NaN, median, Stats.Percentile(sorted, 0.95), Stats.Percentile(sorted, 0.99), null, null,
            $"runs {string.Join(", ", runs.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} ms, median {median:F0} ms; target <= {target.TotalMilliseconds:F0} ms: {(met ? "met" : "NOT met")}{note}");
    }

    private sealed record TimelineRead(string Team, int Read, bool Whole);

    private sealed record StartTimes(FirstAnswer Healthz, FirstAnswer Readyz, long BoardActivities);

    private readonly record struct FirstAnswer(double Ms, double CpuMs);
}

/// <summary>
/// A store holding N activities of the shipped teams, with a roster of exactly 1,000 partner enterprises, filled once
/// by the app's generate-history command and kept in the temp folder for later runs, which start the app on copies of it.
/// </summary>
internal sealed class PreparedStore
{
    public const int Enterprises = 1_000;

    private static readonly string ShippedEnterprises = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..",
        "Grains", "VanguardHub.Grains.Contracts", "Roster", "enterprises.json"));

    private readonly string _folder;

    private PreparedStore(string folder) => _folder = folder;

    /// <summary>The store itself; copy it, never run the app on it.</summary>
    public string DataDirectory => Path.Combine(_folder, "data");

    /// <summary>The roster's enterprises, for every app run on this store or beside it.</summary>
    public string EnterprisesFile => Path.Combine(_folder, "enterprises.json");

    // Written once generation has succeeded: a folder without it holds a partial store.
    private string Marker => Path.Combine(_folder, "complete");

    /// <summary>The benchmark's app settings, with this store's roster.</summary>
    public Dictionary<string, string> AppSettings(Settings settings) =>
        new(settings.AppSettings) { ["Roster__EnterprisesFile"] = EnterprisesFile };

    /// <summary>The store of <paramref name="activities"/> activities, generated now unless an earlier run completed it.</summary>
    public static async Task<PreparedStore> Get(int activities)
    {
        var store = new PreparedStore(Path.Combine(Path.GetTempPath(), $"vanguardhub-bench-store-{activities}"));
        Directory.CreateDirectory(store._folder);

        // Benchmarks started side by side share the folder: one generates, the others wait and reuse.
        await using var held = await Hold(Path.Combine(store._folder, "lock"));
        if (File.Exists(store.Marker))
        {
            Console.WriteLine($"prepared store: reusing {store._folder} ({await File.ReadAllTextAsync(store.Marker)})");
            return store;
        }

        await File.WriteAllTextAsync(store.EnterprisesFile, EnterprisesRoster());
        if (Directory.Exists(store.DataDirectory))
        {
            Directory.Delete(store.DataDirectory, recursive: true);
        }

        Console.WriteLine($"prepared store: generating {activities:N0} activities with {Enterprises:N0} enterprises in {store._folder}");
        var clock = Stopwatch.StartNew();
        var exitCode = await AppProcess.RunCommand(
            ["generate-history", activities.ToString(CultureInfo.InvariantCulture), $"--Storage:DataDirectory={store.DataDirectory}", $"--Roster:EnterprisesFile={store.EnterprisesFile}"],
            "  generate-history: ");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"generate-history exited with code {exitCode}; the store in {store._folder} is incomplete.");
        }

        await File.WriteAllTextAsync(store.Marker,
            $"{activities} activities, {Enterprises} enterprises, generated {DateTimeOffset.Now:yyyy-MM-dd HH:mm} in {clock.Elapsed.TotalSeconds:F0} s");
        Console.WriteLine($"prepared store: generated in {clock.Elapsed.TotalSeconds:F0} s");
        return store;
    }

    /// <summary>An exclusive lock on <paramref name="path"/>, waited for while another process holds it.</summary>
    private static async Task<FileStream> Hold(string path)
    {
        for (var waited = false; ; waited = true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!waited)
                {
                    Console.WriteLine("prepared store: another benchmark is preparing it; waiting");
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>
    /// The shipped enterprises followed by sample entries ("sample": true, ids bench-sample-NNNN) up to
    /// <see cref="Enterprises"/>, their kinds and districts taken in turn from those the shipped entries use.
    /// </summary>
    private static string EnterprisesRoster()
    {
        var roster = JsonNode.Parse(File.ReadAllText(ShippedEnterprises))!.AsObject();
        var list = roster["enterprises"]!.AsArray();
        if (list.Count > Enterprises)
        {
            throw new InvalidOperationException($"The shipped roster already names {list.Count} enterprises, more than the {Enterprises} the benchmark uses.");
        }

        var kinds = list.Select(e => (string)e!["kind"]!).Distinct().ToArray();
        var districts = list.Select(e => (string)e!["district"]!).Distinct().ToArray();
        for (var n = 1; list.Count < Enterprises; n++)
        {
            list.Add(new JsonObject
            {
                ["id"] = $"bench-sample-{n:D4}",
                ["nameZh"] = $"基准测试示例企业{n:D4}（待替换）",
                ["nameEn"] = $"Benchmark sample enterprise {n:D4} (replace)",
                ["kind"] = kinds[n % kinds.Length],
                ["district"] = districts[n % districts.Length],
                ["programmesZh"] = new JsonArray(),
                ["programmesEn"] = new JsonArray(),
                ["sample"] = true,
            });
        }

        roster["comment"] = $"{(string?)roster["comment"]} Written by the VanguardHub benchmark: the shipped entries followed by sample entries (bench-sample-NNNN) up to {Enterprises:N0} enterprises.";
        return roster.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
