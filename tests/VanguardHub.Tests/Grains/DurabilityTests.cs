using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

public sealed class DurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Everything_logged_is_there_again_after_the_cluster_restarts_on_the_same_SQLite_file()
    {
        var serviceId = Guid.NewGuid().ToString("N");
        var activities = Enumerable.Range(0, 12)
            .Select(i => Activity(i % 2 == 0 ? RedPomegranate : Dianchi, occurredAt: BeijingNow.AddDays(-i), residents: i, partners: i % 3 == 0 ? [KfcCoffee] : []))
            .ToList();

        await using (var first = await GrainCluster.StartAsync(_folder.Path, serviceId))
        {
            foreach (var activity in activities)
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(activity.TeamId).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }
        }

        File.Exists(Path.Combine(_folder.Path, "vanguardhub.db")).Should().BeTrue();
        await using var second = await GrainCluster.StartAsync(_folder.Path, serviceId);

        var red = await second.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).GetSummary();
        red.Aggregates.Total.Activities.Should().Be(6);
        red.Aggregates.Total.Outcomes.ResidentsServed.Should().Be(0 + 2 + 4 + 6 + 8 + 10);
        var timeline = await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).GetTimeline(new TimelineQuery { PageSize = 50 });
        timeline.Items.Select(a => a.Id).Should().Equal(activities.Where(a => a.TeamId == Dianchi).Select(a => a.Id));
        var board = await second.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();
        board.Totals.Activities.Should().Be(12);
        (await second.Grains.GetGrain<IPartnerEnterpriseGrain>(KfcCoffee).GetSummary()).Totals.Total.Activities.Should().Be(4);

        // A resend after the restart still counts once.
        (await second.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).LogActivity(activities[0])).Outcome.Should().Be(LogOutcome.AlreadyStored);
    }

    [Fact]
    public async Task Logging_one_activity_writes_no_more_with_ten_thousand_stored_than_with_none()
    {
        await using var cluster = await GrainCluster.StartAsync(_folder.Path);
        const string fresh = RedPomegranate;
        const string seasoned = Dianchi;

        // 10,000 activities over the last two months, so the current month's chunks and the daily figures are full.
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(seasoned);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 10_000; i++)
        {
            await team.LogActivity(Activity(seasoned, occurredAt: BeijingNow.AddMinutes(-(i * 8) - 60), domain: ServiceDomains.All[i % 7].Code, partners: i % 10 == 0 ? [KfcCoffee] : []));
        }

        output.WriteLine($"stored 10,000 activities in {(DateTimeOffset.UtcNow - start).TotalSeconds:F1} s");

        // A chunk is rewritten with what it holds, so the bytes of one write depend on how full it is:
        // measure a whole chunk cycle (64 activities) on each team.
        var withNone = await BytesPerActivity(cluster, fresh);
        var withHistory = await BytesPerActivity(cluster, seasoned);

        output.WriteLine($"bytes written per activity: {withNone:F0} with none stored, {withHistory:F0} with 10,000 stored, ratio {withHistory / withNone:F2}");
        withHistory.Should().BeLessThanOrEqualTo(2 * withNone);
    }

    private static async Task<double> BytesPerActivity(GrainCluster cluster, string teamId)
    {
        const int cycle = 64;
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(teamId);
        cluster.Storage.Reset();
        for (var i = 0; i < cycle; i++)
        {
            await team.LogActivity(Activity(teamId, occurredAt: BeijingNow.AddSeconds(-i), partners: i % 10 == 0 ? [KfcCoffee] : []));
        }

        return cluster.Storage.TotalBytes / (double)cycle;
    }
}
