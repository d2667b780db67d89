using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Process;

public sealed class HardKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSql")]
    public async Task Every_acknowledged_activity_survives_a_SIGKILL_the_instant_after_its_201_alone_or_in_a_batch(string engine)
    {
        var settings = engine == "PostgreSql" ? PostgresServer.StorageSettings() : [];
        var serviceId = $"kill-{Guid.NewGuid():N}";
        var port = FreePorts.Next();
        var teams = new[] { RedPomegranate, KeyEnterprises, Dianchi, "southernmost-kunming" };
        var acknowledged = new ConcurrentBag<ActivityRecord>();

        await using (var first = await DashboardProcess.StartAsync(_folder.Path, port, serviceId, settings: settings))
        {
            using var client = await first.ClientAsync(Roles.Admin);
            using var stop = new CancellationTokenSource();

            // Eight leaders keep logging, half of them one activity to a request, half five at a time (a phone's outbox
            // catching up); the process is killed as soon as 150 acknowledgements have come back, with more requests in flight.
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested && i < 1000; i++)
                {
                    var team = teams[(w + i) % teams.Length];
                    ActivityRecord[] activities = [.. Enumerable.Range(0, w % 2 == 0 ? 1 : 5)
                        .Select(k => Activity(team, residents: (i + k) % 50, partners: (i + k) % 4 == 0 ? [KfcCoffee] : []))];
                    try
                    {
                        var stored = w % 2 == 0
                            ? (await client.PostAsJsonAsync("/api/activities", Body(activities[0]))).StatusCode == HttpStatusCode.Created
                            : await client.PostAsJsonAsync("/api/activities/batch", new { activities = activities.Select(Body) }) is { StatusCode: HttpStatusCode.OK } answer
                              && (await answer.Json())["results"]!.AsArray().All(r => r!["status"]!.GetValue<int>() == 201);
                        if (stored)
                        {
                            foreach (var activity in activities)
                            {
                                acknowledged.Add(activity);
                            }

                            if (acknowledged.Count >= 150)
                            {
                                first.KillHard();
                                stop.Cancel();
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the process is gone
                    }
                }
            })).ToList();
            await Task.WhenAll(writers);
        }

        output.WriteLine($"{engine}: {acknowledged.Count} activities acknowledged before the kill");
        acknowledged.Count.Should().BeGreaterThanOrEqualTo(150);

        await using var second = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), serviceId, settings: settings);
        using var after = await second.ClientAsync(Roles.Admin);

        foreach (var activity in acknowledged)
        {
            var stored = await after.GetAsync($"/api/activities/{activity.Id}");
            stored.StatusCode.Should().Be(HttpStatusCode.OK, $"activity {activity.Id} was acknowledged before the kill");
        }

        // Requests cut off by the kill may or may not have been stored; the acknowledged ones must all be counted,
        // and every aggregate must equal the log whatever the cut-off ones did.
        foreach (var team in teams)
        {
            var summary = await after.GetJson($"/api/teams/{team}");
            summary["aggregates"]!["total"]!["activities"]!.GetValue<int>().Should().BeGreaterThanOrEqualTo(acknowledged.Count(a => a.TeamId == team));
        }

        // The partner enterprise hears of every acknowledged activity that named it, though some were only in their
        // teams' stored lists when the process died: the teams carry on telling once the service is back.
        var namingKfc = acknowledged.Count(a => a.Partners.Contains(KfcCoffee));
        await Poll.Until(async () => (await after.GetJson($"/api/enterprises/{KfcCoffee}"))["totals"]!["total"]!["activities"]!.GetValue<int>() >= namingKfc);

        var report = await after.GetJson("/api/admin/consistency");
        output.WriteLine(report.ToJsonString());
        report["consistent"]!.GetValue<bool>().Should().BeTrue();
        report["boardActivities"]!.GetValue<long>().Should().Be(report["storedActivities"]!.GetValue<long>());

        // A leader whose phone never saw the answer resends: still counted once.
        var resent = acknowledged.First();
        (await after.PostAsJsonAsync("/api/activities", Body(resent))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await after.GetJson("/api/admin/consistency"))["storedActivities"]!.GetValue<long>().Should().Be(report["storedActivities"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_new_host_on_the_same_data_folder_serves_what_the_previous_one_stored()
    {
        var serviceId = $"restart-{Guid.NewGuid():N}";
        var activity = Activity(RedPomegranate, residents: 42);

        await using (var first = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), serviceId))
        {
            using var client = await first.ClientAsync(Roles.Leader, RedPomegranate);
            (await client.PostAsJsonAsync("/api/activities", Body(activity))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await using var second = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), serviceId);
        using var after = await second.ClientAsync(Roles.Admin);
        var team = await after.GetJson($"/api/teams/{RedPomegranate}");
        team["aggregates"]!["total"]!["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(42);
        (await after.GetJson("/api/board"))["totals"]!["activities"]!.GetValue<int>().Should().Be(1);
    }
}
