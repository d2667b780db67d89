using System.Net;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Process;

/// <summary>Outgrowing one machine: the SQLite store moves into PostgreSQL, and the service there shows the same.</summary>
public sealed class PostgreSqlMoveTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_SQLite_store_copied_into_PostgreSQL_serves_the_same_activities_and_figures()
    {
        var serviceId = $"move-{Guid.NewGuid():N}";
        var sqliteFolder = Path.Combine(_folder.Path, "sqlite");
        var activities = Enumerable.Range(0, 24)
            .Select(i => Activity(new[] { RedPomegranate, Dianchi, KeyEnterprises }[i % 3], occurredAt: BeijingNow.AddDays(-i), residents: i, partners: i % 4 == 0 ? [KfcCoffee] : []))
            .ToList();
        string before;
        await using (var single = await DashboardProcess.StartAsync(sqliteFolder, FreePorts.Next(), serviceId))
        {
            using var admin = await single.ClientAsync(Roles.Admin);
            foreach (var activity in activities)
            {
                (await admin.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
            }

            (await admin.PostAsync($"/api/activities/{activities[0].Id}/verify", null)).StatusCode.Should().Be(HttpStatusCode.OK);
            await Poll.Until(async () => (await admin.GetJson("/api/admin/consistency"))["boardActivities"]!.GetValue<long>() == activities.Count);
            before = Figures(await admin.GetJson("/api/board"));
        }

        var target = await PostgresServer.CreateDatabaseAsync();
        var (exit, text) = await DashboardProcess.RunCommandAsync("copy-to-postgresql", target, $"--Storage:DataDirectory={sqliteFolder}");
        output.WriteLine(text);
        exit.Should().Be(0, text);
        text.Should().Contain("Verified:");

        // Copying twice into the same database is refused: nothing is mixed.
        (await DashboardProcess.RunCommandAsync("copy-to-postgresql", target, $"--Storage:DataDirectory={sqliteFolder}")).ExitCode.Should().Be(1);

        await using var moved = await DashboardProcess.StartAsync(Path.Combine(_folder.Path, "postgresql-node"), FreePorts.Next(), serviceId,
            settings: new Dictionary<string, string?> { ["Storage:Engine"] = "PostgreSql", ["Storage:PostgreSqlConnectionString"] = target });
        using var client = await moved.ClientAsync(Roles.Admin);
        foreach (var activity in activities)
        {
            (await client.GetAsync($"/api/activities/{activity.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var report = await client.GetJson("/api/admin/consistency");
        report["consistent"]!.GetValue<bool>().Should().BeTrue(report.ToJsonString());
        report["storedActivities"]!.GetValue<long>().Should().Be(activities.Count);
        Figures(await client.GetJson("/api/board")).Should().Be(before);

        // And it keeps working there.
        (await client.PostActivity(Activity(Dianchi))).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    /// <summary>What the board shows, without the moment it was composed.</summary>
    private static string Figures(System.Text.Json.Nodes.JsonNode board) =>
        $"{board["totals"]!.ToJsonString()} {board["verified"]!.ToJsonString()} {board["byDomain"]!.ToJsonString()} {board["byDistrict"]!.ToJsonString()}";
}
