using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace VanguardHub.Bench;

/// <summary>
/// The wall in Chromium for a long time with about 10 snapshots a second arriving: the page's JS heap and its DOM,
/// read after a forced garbage collection, must not grow between the baseline (after warm-up) and the end.
/// </summary>
internal static class BrowserScenario
{
    /// <summary>Debian's Chromium, driven by Playwright; no browser is downloaded.</summary>
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>The push rate the board needs for 10 snapshots a second (the service's default is 4).</summary>
    private const double SnapshotsPerSecond = 10;

    /// <summary>Activities posted a second unless --rate says otherwise: several per push interval, so that every interval has a change to publish.</summary>
    private const int DefaultPostsPerSecond = 30;

    private const double HeapAllowance = 1.10;

    /// <summary>The heap at the baseline and at the end is the least of this many samples from there on (a minute, first to last).</summary>
    private const int HeapWindowSamples = 3;

    /// <summary>
    /// How many nodes the document may have at the end above the baseline without counting as growth. The team race
    /// rotates between its views every 15 s; only the "total" view has a rank-change column, whose heading and the
    /// mark in each of the 10 rows are text nodes that the other views leave empty, so two samples taken in different
    /// views differ by 11 nodes.
    /// </summary>
    private const int DocumentNodeAllowance = 11;

    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(30);

    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"No Chromium at {Chromium}: scripts/prerequisites.sh installs it (with what the tests need) from Debian's packages.");
        }

        var address = credentials.Address;
        var duration = TimeSpan.FromMinutes(settings.Minutes);
        var baseline = settings.Minutes >= 60 ? TimeSpan.FromMinutes(5) : duration / 12;
        var postsPerSecond = settings.RateGiven ? settings.Rate : DefaultPostsPerSecond;
        Console.WriteLine($"browser: the wall (?kiosk=1) in headless Chromium for {settings.Minutes:0.##} min against {address}, {postsPerSecond} activities/s"
                          + (app is not null ? $", the service pushing up to {ServiceSettings(settings.AppSettings)[Settings.PushRateSetting]} snapshots/s" : ""));
        Console.WriteLine(settings.Minutes >= 60
            ? "baseline at 5 min"
            : $"baseline at {baseline.TotalMinutes:0.##} min (a twelfth of the run, which is shorter than 60 min)");

        using var client = credentials.AdminClient();
        var teams = (await client.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray()
            .Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var enterprises = (await client.GetFromJsonAsync<JsonElement>("/api/enterprises")).EnumerateArray()
            .Select(e => e.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var catalog = await client.GetFromJsonAsync<JsonElement>("/api/catalog");
        var domains = catalog.GetProperty("domains").EnumerateArray().Select(d => d.GetProperty("code").GetString()!).ToArray();
        var districts = catalog.GetProperty("districts").EnumerateArray().Select(d => d.GetProperty("code").GetString()!).ToArray();
        foreach (var team in teams)
        {
            await credentials.LeaderToken(team);
        }

        var wallToken = await credentials.WallToken();

        // Snapshots as the board publishes them, counted by a wall client that does nothing else; set against what
        // the page receives, it tells a board that publishes less from a page that cannot keep up.
        long published = 0;
        await using var observer = new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/board"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(wallToken))
            .Build();
        observer.On<JsonElement>("board", _ => Interlocked.Increment(ref published));
        await observer.StartAsync();

        var feeder = new Feeder(credentials, client, teams, enterprises, domains, districts, postsPerSecond);
        using var stopFeeding = new CancellationTokenSource();
        Task? feeding = null;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // The machine has no network beyond its package mirrors: keep Chromium from reaching out.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        try
        {
            // A paired display keeps its device token in its browser's local storage, where the wall reads it.
            var page = await browser.NewPageAsync(new BrowserNewPageOptions
            {
                ViewportSize = new ViewportSize { Width = 1920, Height = 1080 },
                StorageState = JsonSerializer.Serialize(new
                {
                    cookies = Array.Empty<object>(),
                    origins = new[] { new { origin = address.GetLeftPart(UriPartial.Authority), localStorage = new[] { new { name = "vanguardhub.wall.token", value = wallToken } } } },
                }),
            });
            var errors = new ConcurrentQueue<string>();
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    errors.Enqueue($"{message.Text} ({message.Location})");
                }
            };
            page.PageError += (_, error) => errors.Enqueue(error);
            page.Crash += (_, _) => errors.Enqueue("the page crashed");

            // Snapshots as the page receives them: "board" and "boardDelta" invocations in the hub's WebSocket frames (SignalR's JSON
            // protocol; a frame may hold several messages). Each socket is one connection of the wall to the hub.
            long received = 0;
            var connections = 0;
            var clock = new Stopwatch();
            page.WebSocket += (_, socket) =>
            {
                Interlocked.Increment(ref connections);
                socket.FrameReceived += (_, frame) => Interlocked.Add(ref received,
                    Occurrences(frame.Text ?? "", "\"target\":\"board\"") + Occurrences(frame.Text ?? "", "\"target\":\"boardDelta\""));
                socket.Close += (_, _) => Console.WriteLine($"{clock.Elapsed.TotalMinutes,6:F2} min  the wall's hub connection closed");
            };

            await page.GotoAsync(new Uri(address, "/wall?kiosk=1").ToString());
            await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
            var totalBefore = await Total(page);

            feeding = feeder.Run(stopFeeding.Token);
            await Assertions.Expect(page.Locator("#total-activities"))
                .Not.ToHaveTextAsync(totalBefore.ToString("N0", CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
            Console.WriteLine($"the wall is live and its total moves ({totalBefore:N0} before the activities began)");

            var cdp = await page.Context.NewCDPSessionAsync(page);
            await cdp.SendAsync("Performance.enable");
            clock.Start();
            var start = await Measure(page, cdp, TimeSpan.Zero, Interlocked.Read(ref published), Interlocked.Read(ref received));
            var due = Enumerable.Range(1, (int)(duration / SampleEvery)).Select(i => SampleEvery * i)
                .Append(baseline).Append(duration).Where(t => t <= duration).Distinct().Order().ToList();
            var samples = new List<Sample>();
            HeapComposition? madeAtBaseline = null, madeAtEnd = null;
            var previous = start;
            foreach (var at in due)
            {
                await Pace.Until(clock, at);
                if (feeding.IsFaulted)
                {
                    // A run whose writer stopped measures an idle page: say so now, not at the end of the hour.
                    throw new InvalidOperationException("The activity writer stopped.", feeding.Exception);
                }

                var sample = await Measure(page, cdp, clock.Elapsed, Interlocked.Read(ref published), Interlocked.Read(ref received));
                samples.Add(sample);
                var interval = (sample.At - previous.At).TotalSeconds;
                Console.WriteLine($"{sample.At.TotalMinutes,6:F2} min  JS heap {Mib(sample.HeapBytes),6:F2} MiB  Blink heap {Mib(sample.BlinkHeapBytes),6:F2} MiB  "
                                  + $"document nodes {sample.DocumentNodes,4}  detached trees {sample.DetachedTrees,2}  node objects {sample.NodeObjects,5}  listeners {sample.Listeners,3}  "
                                  + $"main thread busy {(sample.Busy.Task - previous.Busy.Task) / interval,4:P0} (script {(sample.Busy.Script - previous.Busy.Script) / interval,4:P0}, "
                                  + $"style and layout {(sample.Busy.StyleAndLayout - previous.Busy.StyleAndLayout) / interval,4:P0})  "
                                  + $"snapshots/s published {(sample.Published - previous.Published) / interval,4:F1}, received {(sample.Received - previous.Received) / interval,4:F1}  "
                                  + $"total {sample.Total,7:N0}  race {sample.RaceView,-10}  errors {errors.Count}"
                                  + (at == baseline ? "  <- baseline" : ""));
                previous = sample;
                if (at == baseline || at == duration)
                {
                    // What the heap is made of: compiled code grows as V8 optimises more of the page's functions
                    // the longer they run, which is not the page keeping anything.
                    var snapshot = await HeapSnapshot(cdp);
                    var made = HeapComposition.Of(snapshot);
                    if (at == baseline)
                    {
                        madeAtBaseline = made;
                    }

                    if (at == duration)
                    {
                        madeAtEnd = made;
                    }

                    Console.WriteLine($"         heap snapshot: {made}");
                    if (settings.HeapSnapshots is { } folder)
                    {
                        var file = Path.Combine(folder, $"wall-{at.TotalMinutes:0.##}min.heapsnapshot");
                        Directory.CreateDirectory(folder);
                        await File.WriteAllTextAsync(file, snapshot);
                        Console.WriteLine($"         written to {file}");
                    }
                }
            }

            var rss = app?.RssMiB;
            var baselineAt = due.IndexOf(baseline);
            var first = samples[baselineAt];
            var last = samples[^1];
            var seconds = (last.At - start.At).TotalSeconds;
            var publishedRate = (last.Published - start.Published) / seconds;
            var receivedInRun = last.Received - start.Received;
            var receivedRate = receivedInRun / seconds;
            var busy = $"the page's main thread busy {(last.Busy.Task - start.Busy.Task) / seconds:P0} "
                       + $"(script {(last.Busy.Script - start.Busy.Script) / seconds:P0}, style and layout {(last.Busy.StyleAndLayout - start.Busy.StyleAndLayout) / seconds:P0})";
            await StopFeeding();

            // Live to the end: within 30 s of the last activity, the page shows every one acknowledged.
            var expected = totalBefore + feeder.Acknowledged;
            var caughtUp = await CaughtUp(page, expected);
            Console.WriteLine($"acknowledged {feeder.Acknowledged:N0} activities ({feeder.PerSecond:F1}/s), "
                              + $"{feeder.Failed} failed; the page shows {await Total(page):N0} of {expected:N0}");

            // A single sample's heap depends on the moment: in a 60-minute run the readings fell into two bands some
            // 2 MiB apart throughout (a snapshot being drawn, a chart's animation state), so one sample against one
            // other compares a moment with a moment. What the page keeps is the least over a window of samples,
            // taken the same way at the start and at the end.
            var kept = samples.Skip(baselineAt).Take(HeapWindowSamples).Min(s => s.HeapBytes);
            var keptAtEnd = samples.TakeLast(HeapWindowSamples).Min(s => s.HeapBytes);
            var ratio = keptAtEnd / kept;
            var sampleRatio = last.HeapBytes / first.HeapBytes;
            var heapOk = ratio <= HeapAllowance;
            var domOk = last.DocumentNodes <= first.DocumentNodes + DocumentNodeAllowance && last.DetachedTrees <= first.DetachedTrees;
            var errorsSeen = errors.ToList();
            static string Change(double from, double to) => $"{from:F2} -> {to:F2} MiB ({Math.Round((to - from) * 1024):+0;-0;0} KiB)";
            var (c0, c1) = (madeAtBaseline!, madeAtEnd!); // both moments are in every run's schedule
            var madeOf = $"heap snapshots at the baseline and the end: compiled code {Change(c0.Code, c1.Code)}, "
                         + $"the page's objects {Change(c0.PageObjects, c1.PageObjects)}, V8's system objects {Change(c0.System, c1.System)}; "
                         + $"machine code by script: {MachineCode.Change(c0.MachineCodeByScript, c1.MachineCodeByScript)}";
            foreach (var error in errorsSeen.Take(5))
            {
                Console.WriteLine($"page error: {error}");
            }

            if (receivedRate < SnapshotsPerSecond * 0.9)
            {
                Console.WriteLine($"note: the page received {receivedRate:F1} snapshots/s (the board published {publishedRate:F1}/s), "
                                  + $"under the {SnapshotsPerSecond} the measurement is meant for");
            }

            Console.WriteLine($"JS heap kept (least of {HeapWindowSamples} samples) {Mib(kept):F2} -> {Mib(keptAtEnd):F2} MiB (x{ratio:F3}, allowed x{HeapAllowance:F2}): {(heapOk ? "ok" : "GREW")} "
                              + $"(single samples {Mib(first.HeapBytes):F2} -> {Mib(last.HeapBytes):F2} MiB, x{sampleRatio:F3}); "
                              + $"document nodes {first.DocumentNodes} -> {last.DocumentNodes} (allowed +{DocumentNodeAllowance}), "
                              + $"detached trees {first.DetachedTrees} -> {last.DetachedTrees}: {(domOk ? "ok" : "GREW")}; "
                              + $"page errors {errorsSeen.Count}; hub connections {connections}; page caught up: {caughtUp}; {busy}");
            Console.WriteLine(madeOf);

            var span = $"{first.At.TotalMinutes:F2} -> {last.At.TotalMinutes:F2} min";
            // Target 7 names an hour at 10 snapshots a second, the baseline at its 5th minute.
            var verdict = new Verdict("7. the wall in Chromium, an hour", $"heap x{HeapAllowance:F2} of 5 min's at most, document not growing",
                $"x{ratio:F3} ({Mib(kept):F2} -> {Mib(keptAtEnd):F2} MiB, {span}); document {first.DocumentNodes} -> {last.DocumentNodes} nodes; "
                + $"{receivedRate:F1} snapshots/s received",
                settings.Minutes == 60 && receivedRate >= SnapshotsPerSecond * 0.9 ? heapOk && domOk && errorsSeen.Count == 0 && caughtUp : null);
            return new ScenarioResult("browser", heapOk && domOk && errorsSeen.Count == 0 && caughtUp,
            [
                new ResultRow($"JS heap after GC, {span}", samples.Count, double.NaN, double.NaN, double.NaN, double.NaN, rss, null,
                    $"least of {HeapWindowSamples} samples: baseline {Mib(kept):F2} MiB, end {Mib(keptAtEnd):F2} MiB, end/baseline {ratio:F3} (allowed {HeapAllowance:F2}); "
                    + $"single samples {Mib(first.HeapBytes):F2} -> {Mib(last.HeapBytes):F2} MiB (x{sampleRatio:F3}); "
                    + $"{Mib(samples.Min(s => s.HeapBytes)):F2}-{Mib(samples.Max(s => s.HeapBytes)):F2} MiB over {samples.Count} samples; "
                    + $"Blink heap {Mib(first.BlinkHeapBytes):F2} -> {Mib(last.BlinkHeapBytes):F2} MiB; {madeOf}"),
                new ResultRow($"document nodes after GC, {span}", last.DocumentNodes, double.NaN, double.NaN, double.NaN, double.NaN, null, null,
                    $"baseline {first.DocumentNodes}, end {last.DocumentNodes} (allowed +{DocumentNodeAllowance}); detached trees kept alive {first.DetachedTrees} -> {last.DetachedTrees}; "
                    + $"node objects {first.NodeObjects} -> {last.NodeObjects} (range {samples.Min(s => s.NodeObjects)}-{samples.Max(s => s.NodeObjects)}); "
                    + $"event listeners {first.Listeners} -> {last.Listeners}"),
                new ResultRow("snapshots received by the page", receivedInRun, receivedRate, double.NaN, double.NaN, double.NaN, null, null,
                    $"published {publishedRate:F1}/s; {feeder.Acknowledged:N0} activities acknowledged ({feeder.PerSecond:F1}/s), "
                    + $"{feeder.Failed} failed; page caught up: {caughtUp}; hub connections {connections}; {busy}"),
                new ResultRow("page errors (console errors, uncaught exceptions)", errorsSeen.Count, double.NaN, double.NaN, double.NaN, double.NaN, null, null,
                    errorsSeen.FirstOrDefault() ?? ""),
            ]) { Verdicts = [verdict] };
        }
        finally
        {
            await StopFeeding();
        }

        async Task StopFeeding()
        {
            await stopFeeding.CancelAsync();
            if (feeding is not null)
            {
                await feeding;
            }
        }
    }

    /// <summary>What the service this scenario starts needs: 10 snapshots a second (the default is 4) unless --set says otherwise.</summary>
    public static Dictionary<string, string> ServiceSettings(IReadOnlyDictionary<string, string> given) => Settings.Pushing(given, SnapshotsPerSecond);

    /// <summary>
    /// One reading of the page. HeapBytes: V8's JS heap; BlinkHeapBytes: the renderer's own heap, where DOM nodes
    /// live; DocumentNodes: every node in the document; DetachedTrees: trees of nodes out of the document that stay
    /// alive across collections; NodeObjects: Chromium's count of node objects, which includes garbage not yet
    /// swept (at 10 renders a second, hundreds of nodes); Busy: the main thread's busy time so far; Published,
    /// Received: snapshots so far.
    /// </summary>
    private sealed record Sample(
        TimeSpan At, double HeapBytes, double BlinkHeapBytes, long DocumentNodes, long DetachedTrees, long NodeObjects, long Listeners,
        MainThread Busy, long Total, string RaceView, long Published, long Received);

    /// <summary>Seconds the page's main thread has spent on tasks, on script in them, and on style and layout.</summary>
    private sealed record MainThread(double Task, double Script, double StyleAndLayout);

    private static async Task<Sample> Measure(IPage page, ICDPSession cdp, TimeSpan at, long published, long received)
    {
        // What the page shows is read first, so that reading it leaves no garbage behind for the heap figures.
        var total = await Total(page);
        var raceView = await page.Locator("#race-view").GetAttributeAsync("data-race-view") ?? "";
        var documentNodes = await page.EvaluateAsync<long>(
            "() => { const walker = document.createTreeWalker(document, NodeFilter.SHOW_ALL); let n = 1; while (walker.nextNode()) n++; return n; }");

        // The heaps and the detached trees after a full collection, three times a second apart: the least of each heap,
        // and only the trees alive at every reading. A snapshot in flight, a chart animation under way or a feed item
        // that left the list in the last frame (still ending its highlight) at one moment is not what the page keeps.
        var (heap, blinkHeap) = (double.MaxValue, double.MaxValue);
        HashSet<long>? detached = null;
        for (var reading = 0; reading < 3; reading++)
        {
            if (reading > 0)
            {
                await Task.Delay(1000);
            }

            // Twice: what the first collection frees may be all that kept other objects alive.
            await cdp.SendAsync("HeapProfiler.collectGarbage");
            await cdp.SendAsync("HeapProfiler.collectGarbage");
            var usage = (await cdp.SendAsync("Runtime.getHeapUsage"))!.Value;
            heap = Math.Min(heap, usage.GetProperty("usedSize").GetDouble());
            blinkHeap = Math.Min(blinkHeap, usage.TryGetProperty("embedderHeapUsedSize", out var blink) ? blink.GetDouble() : double.NaN);

            // The DOM agent holds on to every node it reports until it is disabled: enabled for this reading only,
            // so that it keeps none of them alive for the next.
            await cdp.SendAsync("DOM.enable");
            var trees = (await cdp.SendAsync("DOM.getDetachedDomNodes"))!.Value.GetProperty("detachedNodes").EnumerateArray()
                .Select(d => d.GetProperty("treeNode").GetProperty("backendNodeId").GetInt64());
            await cdp.SendAsync("DOM.disable");
            detached = detached is null ? [.. trees] : [.. detached.Intersect(trees)];
        }

        var metrics = (await cdp.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble());
        var busy = new MainThread(metrics["TaskDuration"], metrics["ScriptDuration"], metrics["RecalcStyleDuration"] + metrics["LayoutDuration"]);
        return new Sample(at, heap, blinkHeap, documentNodes, detached!.Count, (long)metrics["Nodes"], (long)metrics["JSEventListeners"], busy,
            total, raceView, published, received);
    }

    /// <summary>The page's V8 heap (after a collection) as DevTools' Memory panel saves and opens it.</summary>
    private static async Task<string> HeapSnapshot(ICDPSession cdp)
    {
        var chunks = new List<string>();
        void Chunk(object? sender, JsonElement? e)
        {
            if (e?.GetProperty("chunk").GetString() is { } text)
            {
                lock (chunks)
                {
                    chunks.Add(text);
                }
            }
        }

        var chunkEvent = cdp.Event("HeapProfiler.addHeapSnapshotChunk");
        chunkEvent.OnEvent += Chunk;
        try
        {
            await cdp.SendAsync("HeapProfiler.enable");
            await cdp.SendAsync("HeapProfiler.takeHeapSnapshot", new Dictionary<string, object> { ["reportProgress"] = false });
        }
        finally
        {
            chunkEvent.OnEvent -= Chunk;
            await cdp.SendAsync("HeapProfiler.disable");
        }

        // The chunks arrive before the command's answer.
        lock (chunks)
        {
            return string.Concat(chunks);
        }
    }

    /// <summary>
    /// What a heap snapshot's objects are, in MiB, by V8's own kinds: compiled code (functions' bytecode and
    /// machine code, and their tables), the page's objects (objects, arrays, closures, numbers, strings) and V8's
    /// system objects (hidden classes and internals). Blink's native objects, which the snapshot also lists, are left
    /// out: they are not the JS heap. The machine code is also counted by the script of the function it was compiled
    /// for, so that two snapshots say whose functions V8 optimised further in between.
    /// </summary>
    private sealed record HeapComposition(double Code, double PageObjects, double System, IReadOnlyDictionary<string, long> MachineCodeByScript)
    {
        public double Total => Code + PageObjects + System;

        public static HeapComposition Of(string snapshot)
        {
            var graph = HeapGraph.Parse(snapshot);
            var bytes = new Dictionary<string, long>();
            for (var n = 0; n < graph.Count; n++)
            {
                bytes[graph.Type(n)] = bytes.GetValueOrDefault(graph.Type(n)) + graph.Size(n);
            }

            double Sum(params string[] kinds) => kinds.Sum(k => Mib(bytes.GetValueOrDefault(k)));
            return new HeapComposition(
                Sum("code"),
                Sum("object", "array", "closure", "regexp", "number", "symbol", "bigint", "string", "concatenated string", "sliced string"),
                Sum("hidden", "object shape"),
                MachineCode.ByScript(graph));
        }

        public override string ToString() =>
            $"compiled code {Code:F2} MiB, the page's objects {PageObjects:F2} MiB, V8's system objects {System:F2} MiB ({Total:F2} MiB in all)";
    }

    private static async Task<long> Total(IPage page) =>
        long.Parse((await page.Locator("#total-activities").TextContentAsync() ?? "0").Replace(",", ""), CultureInfo.InvariantCulture);

    /// <summary>Waits (up to 30 s) for the page's total to reach the expected count.</summary>
    private static async Task<bool> CaughtUp(IPage page, long expected)
    {
        var waited = Stopwatch.StartNew();
        while (await Total(page) < expected)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                return false;
            }

            await Task.Delay(250);
        }

        return true;
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static double Mib(double bytes) => bytes / 1024 / 1024;

    /// <summary>
    /// Team leaders logging activities at a steady rate, evenly spread, round the teams in turn. Every activity has
    /// the same shape (happened today, a few minutes ago), so the feed's items all have the same number of nodes.
    /// </summary>
    private sealed class Feeder(
        Credentials credentials, HttpClient client, string[] teams, string[] enterprises, string[] domains, string[] districts, int perSecond)
    {
        private readonly Stopwatch _running = new();
        private long _acknowledged;
        private long _failed;

        public long Acknowledged => Interlocked.Read(ref _acknowledged);

        public long Failed => Interlocked.Read(ref _failed);

        /// <summary>Activities acknowledged a second while posting.</summary>
        public double PerSecond => Acknowledged / _running.Elapsed.TotalSeconds;

        /// <summary>Posts until stopped, then waits for the posts under way.</summary>
        public async Task Run(CancellationToken stop)
        {
            var interval = TimeSpan.FromSeconds(1.0 / perSecond);
            _running.Start();
            var underWay = new List<Task>();
            try
            {
                for (var i = 0L; !stop.IsCancellationRequested; i++)
                {
                    var due = interval * i;
                    await Pace.Until(_running, due, stop);

                    underWay.RemoveAll(t => t.IsCompleted);
                    underWay.Add(Post(i));
                }
            }
            catch (OperationCanceledException)
            {
                // stopped
            }

            await Task.WhenAll(underWay);
            _running.Stop();
        }

        private async Task Post(long i)
        {
            var team = teams[i % teams.Length];
            var activity = new
            {
                id = Guid.NewGuid(),
                teamId = team,
                occurredAt = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:sszzz"),
                domain = domains[i % domains.Length],
                district = districts[i % districts.Length],
                place = "社区服务点",
                title = "入户走访与政策宣讲",
                participants = 3 + i % 20,
                outcomes = new { residentsServed = i % 50, householdsVisited = i % 12, problemsSolved = i % 4 },
                // One in ten with a partner enterprise, so the partners panel fills and keeps changing.
                partners = i % 10 == 0 && enterprises.Length > 0 ? [enterprises[i / 10 % enterprises.Length]] : Array.Empty<string>(),
            };
            try
            {
                using var request = await credentials.LogRequest(team, activity);
                using var response = await client.SendAsync(request);
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.Created ? ref _acknowledged : ref _failed);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failed);
            }
        }
    }
}
