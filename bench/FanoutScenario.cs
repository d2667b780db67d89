using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace VanguardHub.Bench;

/// <summary>
/// Many walls on one node while activities stream in, each meant to receive every snapshot the board publishes: how
/// late the snapshots reach them, whether any wall missed one, and whether any wall was dropped. Ends by checking that
/// every wall shows the board's final version.
/// </summary>
/// <remarks>
/// A snapshot's asOf is the moment the board's figures last changed, not the moment it went out: the board publishes
/// on its next push tick, at most one push interval (250 ms at the default 4 pushes/s) later, and less while
/// activities keep arriving. The lag from asOf is therefore an upper bound on delivery lag (it includes the
/// deliberate coalescing), and the lag from the first wall to receive a snapshot is a lower bound (the spread of the
/// fan-out alone). The reported percentiles are the asOf ones; both are printed.
/// </remarks>
internal static class FanoutScenario
{
    // Target 3: 1,000 walls on one node (the default), each receiving every snapshot, lag p99 at most 500 ms.
    private const int DefaultWalls = 1000;
    private const double P99TargetMs = 500;
    private const int DefaultRate = 20;

    /// <summary>Walls opening their connections at the same time.</summary>
    private const int ConnectingAtOnce = 50;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>After the last activity is acknowledged: ample time for the board's last snapshot to reach every wall.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        var address = credentials.Address;
        var wallCount = settings.WallsGiven ? settings.Walls : DefaultWalls;
        var rate = settings.RateGiven ? settings.Rate : DefaultRate;
        var wallToken = await credentials.WallToken();
        Console.WriteLine($"fanout: {wallCount} walls, {rate} activities/s for {settings.Seconds} s against {address}");
        if (app is null)
        {
            Console.WriteLine("fanout: lag from asOf assumes the service's clock agrees with this machine's");
        }

        var walls = Enumerable.Range(0, wallCount).Select(i => new Wall(measuresSize: i == 0)).ToArray();
        var connecting = Stopwatch.StartNew();
        await Parallel.ForEachAsync(walls, new ParallelOptions { MaxDegreeOfParallelism = ConnectingAtOnce }, async (wall, _) =>
            await wall.Connect(new Uri(address, settings.WallHubPath), wallToken));
        var connected = walls.Where(w => w.Connection is not null).ToArray();
        var failures = walls.Where(w => w.Failure is not null).ToArray();
        Console.WriteLine($"connected {connected.Length} of {wallCount} walls in {connecting.Elapsed.TotalSeconds:F1} s"
            + (failures.Length > 0 ? $"; first failure: {failures[0].Failure!.Message}" : ""));

        using var admin = credentials.AdminClient();
        var teams = (await admin.GetFromJsonAsync<JsonElement>("/api/teams")).EnumerateArray()
            .Select(t => t.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var enterprises = (await admin.GetFromJsonAsync<JsonElement>("/api/enterprises")).EnumerateArray()
            .Select(e => e.GetProperty("profile").GetProperty("id").GetString()!).ToArray();
        var factory = new ActivityFactory(teams, enterprises);
        foreach (var team in teams)
        {
            await credentials.LeaderToken(team);
        }

        // Anything a wall got at or before this version was published before the activities began.
        var baseline = await BoardVersion(admin);

        var total = rate * settings.Seconds;
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var random = new Random(1);
        var cpuBefore = app?.CpuTime;
        var ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var driving = Stopwatch.StartNew();
        var posts = new List<Task<bool>>(total);
        for (var i = 0; i < total; i++)
        {
            var due = interval * i;
            await Pace.Until(driving, due);

            var team = teams[i % teams.Length];
            posts.Add(Post(team, factory.Next(random, team)));
        }

        var sent = driving.Elapsed;
        var acknowledged = (await Task.WhenAll(posts)).Count(created => created);
        var drive = driving.Elapsed;
        var cpu = app is null ? (double?)null : Stats.CpuPercent(app.CpuTime - cpuBefore!.Value, drive);

        // The walls and the writer share the machine with the service; when they take most of it, the lag is theirs too.
        var ownCpu = Stats.CpuPercent(Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore, drive);
        var rss = app?.RssMiB;
        await Task.Delay(Settle);
        var final = await BoardVersion(admin);

        // Read before the connections close: closing them on purpose raises the same event as a drop.
        var dropped = connected.Where(w => w.Dropped).ToArray();
        var received = connected.Select(w => w.Received().Where(d => d.Snapshot.Version > baseline).ToArray()).ToArray();
        await Task.WhenAll(connected.Select(w => w.Connection!.DisposeAsync().AsTask()));

        var deliveries = received.SelectMany(r => r).ToArray();
        var firstArrival = deliveries.GroupBy(d => d.Snapshot.Version).ToDictionary(g => g.Key, g => g.MinBy(d => d.At));
        var published = firstArrival.Count;
        var sinceAsOf = deliveries.Select(d => (d.At - d.Snapshot.AsOf).TotalMilliseconds).Order().ToArray();
        var sinceFirst = deliveries.Select(d => (d.At - firstArrival[d.Snapshot.Version].At).TotalMilliseconds).Order().ToArray();
        var asOfToFirst = firstArrival.Values.Select(d => (d.At - d.Snapshot.AsOf).TotalMilliseconds).Order().ToArray();

        // A wall missed a push when a snapshot does not follow the version it showed (each names the one pushed before it).
        var gaps = received.Sum(r => r.Skip(1).Where((d, i) => d.Snapshot.PreviousVersion != r[i].Snapshot.Version).Count());
        var missing = received.Count(r => r.Select(d => d.Snapshot.Version).Distinct().Count() < published);
        var notFinal = received.Count(r => r.Length == 0 || r[^1].Snapshot.Version != final);
        var perWall = received.Select(r => r.Length).DefaultIfEmpty().ToArray();

        Console.WriteLine($"sent {total} activities in {sent.TotalSeconds:F1} s, {acknowledged} acknowledged by {drive.TotalSeconds:F1} s; {published} snapshots published, {deliveries.Length} deliveries");
        Console.WriteLine($"CPU over that time, of {Environment.ProcessorCount} cores: service {(cpu is { } c ? $"{c:F0}%" : "not measured")}, walls and writer {ownCpu:F0}%");
        Console.WriteLine($"asOf -> wall (ms):        {Summary(sinceAsOf)}");
        Console.WriteLine($"first wall -> wall (ms):  {Summary(sinceFirst)}");
        Console.WriteLine($"asOf -> first wall (ms):  {Summary(asOfToFirst)}");
        Console.WriteLine($"snapshots per wall: min {perWall.Min()}, mean {perWall.Average():F1}, max {perWall.Max()}; {gaps} gaps; {missing} walls missing a snapshot; "
            + $"{dropped.Length} dropped; {notFinal} not on the final version {final}"
            + (dropped.Length > 0 ? $"; first drop: {dropped[0].DropReason?.Message ?? "closed by the server"}" : ""));

        var sizes = walls[0].Sizes().Order().ToArray();
        var sizeNote = sizes.Length == 0 ? "" : $"; message size median {sizes[sizes.Length / 2] / 1024.0:F1} KiB, max {sizes[^1] / 1024.0:F1} KiB";
        Console.WriteLine($"messages to one wall: {sizes.Length}{sizeNote}");
        var correct = failures.Length == 0 && dropped.Length == 0 && gaps == 0 && missing == 0 && notFinal == 0;
        var p99 = Stats.Percentile(sinceAsOf, 0.99);
        var verdict = new Verdict("3. fan-out, one node", $"p99 <= {P99TargetMs:F0} ms, {DefaultWalls:N0} walls, none dropped",
            $"p99 {p99:F0} ms (p50 {Stats.Percentile(sinceAsOf, 0.50):F0}), {connected.Length:N0} of {wallCount:N0} walls; {published} snapshots; "
            + $"{dropped.Length} dropped, {gaps} gaps, {missing} missing one",
            wallCount == DefaultWalls ? correct && p99 <= P99TargetMs : null);
        return new ScenarioResult("fanout", correct, [
            new ResultRow($"asOf -> wall, {wallCount} walls at {rate}/s", deliveries.Length, deliveries.Length / drive.TotalSeconds,
                Stats.Percentile(sinceAsOf, 0.50), Stats.Percentile(sinceAsOf, 0.95), Stats.Percentile(sinceAsOf, 0.99), rss, cpu,
                $"{connected.Length} of {wallCount} connected; {published} snapshots; {gaps} gaps; {missing} missing one; {dropped.Length} dropped; "
                + $"{notFinal} not final; first wall -> wall p99 {Stats.Percentile(sinceFirst, 0.99):F0} ms; walls+writer CPU {ownCpu:F0}%{sizeNote}"),
        ]) { Verdicts = [verdict] };

        async Task<bool> Post(string team, object activity)
        {
            try
            {
                using var request = await credentials.LogRequest(team, activity);
                using var response = await admin.SendAsync(request);
                return response.StatusCode == HttpStatusCode.Created;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false; // refused, or not answered within the client's timeout
            }
        }
    }

    private static async Task<long> BoardVersion(HttpClient admin) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/board")).GetProperty("version").GetInt64();

    private static string Summary(double[] sorted) => sorted.Length == 0
        ? "none"
        : $"median {Stats.Percentile(sorted, 0.50):F0}, p95 {Stats.Percentile(sorted, 0.95):F0}, p99 {Stats.Percentile(sorted, 0.99):F0}, max {sorted[^1]:F0}";

    /// <summary>The parts of a pushed snapshot this scenario reads; the rest of the payload is skipped, not parsed into a tree.</summary>
    private sealed record SnapshotHeader(long Version, long PreviousVersion, DateTimeOffset AsOf);

    /// <summary>The parts of a pushed delta this scenario reads.</summary>
    private sealed record DeltaHeader(long Version, long Since, DateTimeOffset AsOf);

    private readonly record struct Delivery(SnapshotHeader Snapshot, DateTimeOffset At);

    /// <summary>A message a wall receives but this scenario does not read (heartbeats).</summary>
    private sealed class Unread;

    /// <summary>One wall display: its connection, what it received and whether it lost the connection.</summary>
    private sealed class Wall(bool measuresSize)
    {
        private readonly List<Delivery> _received = [];
        private readonly List<int> _sizes = [];
        private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HubConnection? Connection { get; private set; }

        public Exception? Failure { get; private set; }

        public bool Dropped => _closed.Task.IsCompleted;

        /// <summary>Why the connection closed; none when the server closed it cleanly.</summary>
        public Exception? DropReason => Dropped ? _closed.Task.Result : null;

        public async Task Connect(Uri hub, string token)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(hub, options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            if (measuresSize)
            {
                // One wall takes the messages whole, to tell how big they are.
                connection.On<JsonElement>("board", snapshot => Arrived(Header(snapshot, "previousVersion"), snapshot));
                connection.On<JsonElement>("boardDelta", delta => Arrived(Header(delta, "since"), delta));
            }
            else
            {
                connection.On<SnapshotHeader>("board", snapshot => Arrived(snapshot));
                // A delta follows the version it counts from, as a snapshot follows the one pushed before it.
                connection.On<DeltaHeader>("boardDelta", delta => Arrived(new SnapshotHeader(delta.Version, delta.Since, delta.AsOf)));
            }

            // Handled so that they are taken in as a wall would, rather than failing to bind on every message.
            connection.On<Unread>("heartbeat", _ => { });
            connection.Closed += error =>
            {
                _closed.TrySetResult(error);
                return Task.CompletedTask;
            };
            try
            {
                using var timeout = new CancellationTokenSource(ConnectTimeout);
                await connection.StartAsync(timeout.Token);
                Connection = connection;
            }
            catch (Exception e)
            {
                Failure = e;
                await connection.DisposeAsync();
            }
        }

        private void Arrived(SnapshotHeader snapshot, JsonElement? whole = null)
        {
            var at = DateTimeOffset.UtcNow;
            lock (_received)
            {
                _received.Add(new Delivery(snapshot, at));
                if (whole is { } message)
                {
                    _sizes.Add(message.GetRawText().Length);
                }
            }
        }

        private static SnapshotHeader Header(JsonElement message, string previous) => new(
            message.GetProperty("version").GetInt64(), message.GetProperty(previous).GetInt64(),
            message.GetProperty("asOf").GetDateTimeOffset());

        /// <summary>The sizes (characters of JSON) of the messages this wall received, when it measures them.</summary>
        public int[] Sizes()
        {
            lock (_received)
            {
                return [.. _sizes];
            }
        }

        public Delivery[] Received()
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }
}
