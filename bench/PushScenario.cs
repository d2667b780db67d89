using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace VanguardHub.Bench;

/// <summary>From the 201 a team leader gets to a wall receiving the snapshot that contains the activity.</summary>
internal static class PushScenario
{
    public static async Task<ScenarioResult> Run(Settings settings, Credentials credentials, AppProcess? app)
    {
        var address = credentials.Address;
        var wallToken = await credentials.WallToken();
        Console.WriteLine($"push: {settings.Walls} walls, {settings.Rate} activities/s for {settings.Seconds} s against {address}");


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
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(address, settings.WallHubPath), options => options.AccessTokenProvider = () => Task.FromResult<string?>(wallToken))
                .Build();
            // A whole snapshot carries every race row; a delta only the rows that changed, which are all that can bring news.
            connection.On<JsonElement>("board", Arrived);
            connection.On<JsonElement>("boardDelta", Arrived);
            await connection.StartAsync();
            walls.Add(connection);

            void Arrived(JsonElement snapshot)
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
            }
        }

        using var client = credentials.AdminClient();
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

        return new ScenarioResult("push", sorted.Length == expected, [
                    new ResultRow($"201 -> snapshot, {settings.Walls} walls at {settings.Rate}/s", acknowledged.Count, acknowledged.Count / (double)settings.Seconds,
                        Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), app?.RssMiB, null,
                        $"{sorted.Length} of {expected} deliveries; {snapshotsPerWall.Values.DefaultIfEmpty().Average():F0} snapshots per wall")]);

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
            using var request = await credentials.LogRequest(team, body);
            var response = await client.SendAsync(request);
            var at = Stopwatch.GetTimestamp();
            if ((int)response.StatusCode == 201)
            {
                var stored = await response.Content.ReadFromJsonAsync<JsonElement>();
                acknowledged[(team, stored.GetProperty("sequence").GetInt64())] = at;
            }
        }
    }

    private static double Percentile(double[] sorted, double p) => Stats.Percentile(sorted, p);
}
