using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Process;

/// <summary>
/// Three real Dashboard processes clustered through PostgreSQL (AdoNet membership) behind nginx; the node that holds
/// the wall's hub connection is SIGKILLed under a stream of writes and later restarted on the same ports.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Teams =
    [
        RedPomegranate, KeyEnterprises, Dianchi, "southernmost-kunming",
        "sample-01", "sample-02", "sample-03", "sample-04", "sample-05", "sample-06", "sample-07", "sample-08",
    ];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Killing_the_node_behind_the_proxy_loses_no_acknowledged_activity_and_the_wall_reconnects()
    {
        var clock = Stopwatch.StartNew();
        var id = Guid.NewGuid().ToString("N");
        var nodes = Enumerable.Range(0, 3).Select(_ => new Node(FreePorts.Next(), FreePorts.Next(), FreePorts.Next())).ToArray();
        var settings = PostgresServer.StorageSettings();
        settings["Cluster:Mode"] = "AdoNet";
        settings["Orleans:ServiceId"] = $"failover-{id}";
        settings["Orleans:ClusterId"] = $"failover-{id}";

        var running = new DashboardProcess?[3];
        DashboardProcess? killed = null;
        try
        {
            // The first node creates the schema and the first admin; the other two join it.
            running[0] = await Start(nodes[0], settings);
            var joined = await Task.WhenAll(Start(nodes[1], settings), Start(nodes[2], settings));
            (running[1], running[2]) = (joined[0], joined[1]);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: three nodes ready on {string.Join(", ", nodes.Select(n => n.HttpPort))}");

            await using var proxy = await NginxProxy.StartAsync([.. nodes.Select(n => n.HttpPort)]);
            var (adminTokens, wallToken) = await Tokens(running[0]!.Address, writers: 4);
            using var admin = new HttpClient { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(30) }.WithToken(adminTokens[0]);
            var storedBefore = (await admin.GetJson("/api/admin/consistency"))["storedActivities"]!.GetValue<long>();

            // The wall, through the proxy.
            var snapshots = new ConcurrentQueue<(TimeSpan At, long Version, long Activities)>();
            var reconnects = 0;
            var hubEvents = new ConcurrentQueue<string>();
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(proxy.Address, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(wallToken))
                .WithAutomaticReconnect(new EveryHalfSecond())
                .Build();
            void Keep(JsonElement snapshot) => snapshots.Enqueue((clock.Elapsed, snapshot.GetProperty("version").GetInt64(), snapshot.GetProperty("totals").GetProperty("activities").GetInt64()));
            hub.On<JsonElement>("board", Keep);
            hub.Reconnecting += e =>
            {
                hubEvents.Enqueue($"{clock.Elapsed.TotalSeconds:F1} s reconnecting ({e?.GetType().Name}: {e?.Message})");
                return Task.CompletedTask;
            };
            hub.Reconnected += async _ =>
            {
                Interlocked.Increment(ref reconnects);
                hubEvents.Enqueue($"{clock.Elapsed.TotalSeconds:F1} s reconnected");

                // As the wall page does: the whole snapshot again after every reconnect.
                Keep(await hub.InvokeAsync<JsonElement>("GetSnapshot"));
            };
            await hub.StartAsync();
            Keep(await hub.InvokeAsync<JsonElement>("GetSnapshot"));

            // The node the proxy pins this address's hub traffic to.
            var victim = await HubNode(proxy.Address, wallToken, nodes);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the hub connection goes to node {victim + 1} (port {nodes[victim].HttpPort})");

            var log = new Writes();
            using var stop = new CancellationTokenSource();
            var writers = Task.WhenAll(adminTokens.Select((token, w) => Task.Run(() => Write(proxy.Address, token, w, log, clock, stop.Token))));

            await Task.Delay(TimeSpan.FromSeconds(6));
            var killedAt = clock.Elapsed;
            var acknowledgedBeforeKill = log.Count;
            killed = running[victim]!;
            killed.KillHard();
            output.WriteLine($"{killedAt.TotalSeconds:F1} s: SIGKILLed node {victim + 1} after {acknowledgedBeforeKill} acknowledged writes");

            await Task.Delay(TimeSpan.FromSeconds(15));
            var restartAt = clock.Elapsed;
            running[victim] = await Start(nodes[victim], settings);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: node {victim + 1} restarted on the same ports (took {(clock.Elapsed - restartAt).TotalSeconds:F1} s)");

            await Task.Delay(TimeSpan.FromSeconds(3));
            stop.Cancel();
            await writers.WaitAsync(TimeSpan.FromSeconds(60));
            var acknowledged = log.Snapshot();
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: writers stopped; {acknowledged.Count} activities acknowledged ({log.Retries} resends, statuses {log.Failures()})");

            // The outage: the longest stretch without a successful write, and where it was.
            var times = acknowledged.Values.Order().ToList();
            var (gap, gapStart) = times.Zip(times.Skip(1), (a, b) => (b - a, a)).MaxBy(g => g.Item1);
            var firstAfterKill = times.FirstOrDefault(t => t > killedAt);
            output.WriteLine($"measured outage (longest gap between successful writes): {gap.TotalSeconds:F2} s, from {gapStart.TotalSeconds:F1} s (kill at {killedAt.TotalSeconds:F1} s); first success after the kill {(firstAfterKill - killedAt).TotalSeconds:F2} s after it; longest single write (first attempt to acknowledgement, resends included) {log.Longest.TotalSeconds:F2} s");

            // Every acknowledged activity is stored, once. A 503 (a call that reached a node the cluster has not yet
            // finished replacing) says "ask again", not "not stored": a client asks again, and so does this check.
            var missing = new ConcurrentBag<Guid>();
            var unavailable = 0;
            await Parallel.ForEachAsync(acknowledged.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (activity, ct) =>
            {
                var status = HttpStatusCode.ServiceUnavailable;
                for (var attempt = 0; attempt < 20 && status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway; attempt++)
                {
                    if (attempt > 0)
                    {
                        Interlocked.Increment(ref unavailable);
                        await Task.Delay(250, ct);
                    }

                    status = (await admin.GetAsync($"/api/activities/{activity}", ct)).StatusCode;
                }

                if (status != HttpStatusCode.OK)
                {
                    missing.Add(activity);
                }
            });
            output.WriteLine($"looked up {acknowledged.Count} acknowledged activities; {unavailable} lookups answered 503/502 and were asked again");
            missing.Should().BeEmpty("every acknowledged activity must be stored");

            // The board publishes on a timer, so it may be a moment behind the logs; the logs and aggregates may not.
            var report = await admin.GetJson("/api/admin/consistency");
            for (var i = 0; i < 20 && !report["consistent"]!.GetValue<bool>(); i++)
            {
                output.WriteLine($"not yet consistent: {report["differences"]!.ToJsonString()}");
                await Task.Delay(500);
                report = await admin.GetJson("/api/admin/consistency");
            }

            output.WriteLine(report.ToJsonString());
            report["consistent"]!.GetValue<bool>().Should().BeTrue(report.ToJsonString());
            report["storedActivities"]!.GetValue<long>().Should().Be(storedBefore + acknowledged.Count, "each acknowledged id is stored exactly once and nothing else was written");
            report["boardActivities"]!.GetValue<long>().Should().Be(report["storedActivities"]!.GetValue<long>());
            var board = await admin.BoardActivities();
            board.Should().Be((int)(storedBefore + acknowledged.Count));

            // The wall reconnected and shows the final figures.
            await Poll.Until(() => Task.FromResult(snapshots.LastOrDefault().Activities == board));
            var reconnectedAt = snapshots.FirstOrDefault(s => s.At > killedAt);
            output.WriteLine($"hub: {Volatile.Read(ref reconnects)} reconnect(s); first snapshot after the kill at {(reconnectedAt.At - killedAt).TotalSeconds:F1} s after it; final snapshot v{snapshots.Last().Version} with {snapshots.Last().Activities} activities");
            output.WriteLine(string.Join('\n', hubEvents));
            Errors(running);
            var upgrades = proxy.AccessLog.Split('\n').Count(l => l.Contains("/hubs/board?id=", StringComparison.Ordinal) && l.Contains("\" 101 ", StringComparison.Ordinal));
            output.WriteLine($"nginx: {upgrades} hub WebSocket upgrade(s)");
            // nginx logs a WebSocket when it closes: the one the kill cut (the reconnected one is still open).
            upgrades.Should().BeGreaterThanOrEqualTo(1, "the wall's connection is a WebSocket through the proxy");
            Volatile.Read(ref reconnects).Should().BeGreaterThanOrEqualTo(1);
            hub.State.Should().Be(HubConnectionState.Connected);

            output.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s");
            gap.Should().BeLessThan(TimeSpan.FromSeconds(30), "a survivor must take over the killed node's grains");
        }
        catch
        {
            DumpLogs(running);
            throw;
        }
        finally
        {
            foreach (var node in running.Append(killed))
            {
                if (node is not null)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    private sealed record Node(int HttpPort, int SiloPort, int GatewayPort);

    private Task<DashboardProcess> Start(Node node, Dictionary<string, string?> settings)
    {
        var own = new Dictionary<string, string?>(settings)
        {
            ["Orleans:SiloPort"] = node.SiloPort.ToString(),
            ["Orleans:GatewayPort"] = node.GatewayPort.ToString(),
        };
        return DashboardProcess.StartAsync(_folder.Path, node.HttpPort, own["Orleans:ServiceId"]!, settings: own);
    }

    /// <summary>One admin session issues a token per writer (each its own write budget) and the wall's token.</summary>
    private static async Task<(string[] Admin, string Wall)> Tokens(Uri node, int writers)
    {
        using var admin = new HttpClient { BaseAddress = node };
        await Sign.InAsync(admin, "admin", Sign.AdminPassword);
        var tokens = new string[writers];
        for (var i = 0; i < writers; i++)
        {
            tokens[i] = await Sign.IssueTokenAsync(admin, Roles.Admin, name: $"failover writer {i}");
        }

        return (tokens, await Sign.IssueTokenAsync(admin, Roles.Wall));
    }

    /// <summary>Which node the proxy sends this address's hub traffic to: the negotiate's X-Upstream.</summary>
    private static async Task<int> HubNode(Uri proxy, string token, Node[] nodes)
    {
        using var client = new HttpClient { BaseAddress = proxy }.WithToken(token);
        var response = await client.PostAsync("/hubs/board/negotiate?negotiateVersion=1", null);
        response.EnsureSuccessStatusCode();
        var upstream = response.Headers.GetValues(NginxProxy.UpstreamHeader).Single();
        var port = int.Parse(upstream.Split(':')[^1]);
        return Array.FindIndex(nodes, n => n.HttpPort == port);
    }

    /// <summary>One leader's phone: each activity is resent with the same id until it is acknowledged.</summary>
    private static async Task Write(Uri proxy, string token, int writer, Writes log, Stopwatch clock, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(15) }.WithToken(token);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var activity = Activity(Teams[(writer * 7 + i) % Teams.Length], residents: i % 40, partners: i % 5 == 0 ? [KfcCoffee] : []);
            var body = Body(activity);
            var firstAttempt = clock.Elapsed;
            for (var attempt = 0; ; attempt++)
            {
                if (attempt > 0)
                {
                    log.Resent();
                    await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
                }

                string outcome;
                try
                {
                    var response = await client.PostAsJsonAsync("/api/activities", body, CancellationToken.None);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        log.Acknowledged(activity.Id, clock.Elapsed, clock.Elapsed - firstAttempt);
                        break;
                    }

                    if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.UnprocessableEntity)
                    {
                        throw new InvalidOperationException($"POST /api/activities answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }

                    outcome = ((int)response.StatusCode).ToString();
                }
                catch (HttpRequestException e)
                {
                    outcome = e.HttpRequestError.ToString();
                }
                catch (TaskCanceledException)
                {
                    outcome = "timeout";
                }

                log.Failed(outcome);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(40), CancellationToken.None);
        }
    }

    /// <summary>The nodes' logged errors ("fail:" entries and their first line), for the report.</summary>
    private void Errors(DashboardProcess?[] running)
    {
        for (var i = 0; i < running.Length; i++)
        {
            var lines = running[i]?.Output.Split('\n') ?? [];
            var errors = lines.Select((line, n) => (line, n)).Where(l => l.line.StartsWith("fail:", StringComparison.Ordinal))
                .Select(l => string.Join(" | ", lines.Skip(l.n).Take(4).Select(x => x.Trim()))).ToList();
            output.WriteLine($"node {i + 1} (current process): {errors.Count} logged errors");
            foreach (var error in errors.DistinctBy(e => e.Split(" | ")[0]).Take(8))
            {
                output.WriteLine("  " + error);
            }
        }
    }

    private void DumpLogs(DashboardProcess?[] running)
    {
        for (var i = 0; i < running.Length; i++)
        {
            if (running[i] is { } node)
            {
                var lines = node.Output.Split('\n');
                output.WriteLine($"--- node {i + 1}: last 60 of {lines.Length} lines ---");
                output.WriteLine(string.Join('\n', lines.TakeLast(60)));
            }
        }
    }

    private sealed class Writes
    {
        private readonly ConcurrentDictionary<Guid, TimeSpan> _acknowledged = new();
        private readonly ConcurrentDictionary<string, int> _failures = new();
        private int _retries;
        private long _longestTicks;

        public int Count => _acknowledged.Count;

        public int Retries => Volatile.Read(ref _retries);

        /// <summary>The longest any one activity took from its first attempt to its acknowledgement.</summary>
        public TimeSpan Longest => TimeSpan.FromTicks(Interlocked.Read(ref _longestTicks));

        public void Acknowledged(Guid id, TimeSpan at, TimeSpan took)
        {
            _acknowledged.TryAdd(id, at);
            long seen;
            while (took.Ticks > (seen = Interlocked.Read(ref _longestTicks)) && Interlocked.CompareExchange(ref _longestTicks, took.Ticks, seen) != seen)
            {
                // another writer raised it meanwhile; compare again
            }
        }

        public void Resent() => Interlocked.Increment(ref _retries);

        public void Failed(string outcome) => _failures.AddOrUpdate(outcome, 1, (_, n) => n + 1);

        public string Failures() => _failures.IsEmpty ? "none failed" : string.Join(", ", _failures.Select(f => $"{f.Key} x{f.Value}"));

        public Dictionary<Guid, TimeSpan> Snapshot() => new(_acknowledged);
    }

    /// <summary>Reconnects every half second for a minute (the default gives up after four tries).</summary>
    private sealed class EveryHalfSecond : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.ElapsedTime < TimeSpan.FromMinutes(1) ? TimeSpan.FromMilliseconds(500) : null;
    }
}
