using System.Diagnostics;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Simulation;
using VanguardHub.Silo.Hosting;

namespace VanguardHub.Dashboard.Operations;

/// <summary>
/// `generate-history N [--days D]` fills an empty store with N plausible activities spread over the last D days
/// (default 365), logged through the team grains exactly as the API logs them: for sizing a machine, rehearsing a
/// migration or measuring the service with a long history. Refuses a store that already holds activities.
/// </summary>
internal static class HistoryCommand
{
    public static bool IsCommand(string[] args) => args is ["generate-history", ..];

    public static int Run(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[1], out var count) || count < 1)
        {
            Console.Error.WriteLine("usage: generate-history N [--days D] [--Storage:DataDirectory=DIR] [--Roster:EnterprisesFile=FILE]");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(args[2..]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddVanguardHubSilo();
        using var host = builder.Build();
        host.Start();
        try
        {
            var days = Math.Clamp(builder.Configuration.GetValue("days", 365), 1, 3650);
            return GenerateAsync(host.Services, count, days).GetAwaiter().GetResult();
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
        }
    }

    private static async Task<int> GenerateAsync(IServiceProvider services, int count, int days)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var roster = services.GetRequiredService<Roster>();
        var standings = await Task.WhenAll(roster.Teams.Select(t => grains.GetGrain<IServiceTeamGrain>(t.Id).GetStanding()));
        if (standings.Any(s => s.LogLength > 0))
        {
            Console.Error.WriteLine("generate-history: this store already holds activities; it fills empty stores only.");
            return 1;
        }

        var samples = new SampleActivities(roster);
        var now = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var logged = 0;
        var next = -1;

        // Many activities in flight per team, so that each team stores them in large batches.
        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (Interlocked.Increment(ref next) < count)
            {
                var activity = samples.Next(random, now.AddSeconds(-random.NextDouble() * days * 86_400));
                await grains.GetGrain<IServiceTeamGrain>(activity.TeamId).LogActivity(activity with { RecordedBy = "generate-history" });
                Interlocked.Increment(ref logged);
            }
        }

        var workers = Task.WhenAll(Enumerable.Range(0, 1024).Select(i => Task.Run(() => Worker(i))));
        while (await Task.WhenAny(workers, Task.Delay(TimeSpan.FromSeconds(5))) != workers)
        {
            var done = Volatile.Read(ref logged);
            var rate = done / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{done:N0} of {count:N0} activities ({100.0 * done / count:F1} %), {rate:N0}/s, about {(count - done) / Math.Max(rate, 1):N0} s left");
        }

        await workers;
        Console.WriteLine($"generated {count:N0} activities over {days} days in {clock.Elapsed.TotalSeconds:N0} s");
        return 0;
    }
}
