using Microsoft.Data.Sqlite;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>The activity index: claims of many teams stored together, bounded pages, and a store from before it.</summary>
public sealed class ActivityIndexTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Claims_arriving_together_from_many_teams_share_page_writes_and_pages_stay_bounded()
    {
        var serviceId = Guid.NewGuid().ToString("N");
        var teams = Roster.Load().Teams.Take(30).Select(t => t.Id).ToList();
        var activities = Enumerable.Range(0, 600).Select(i => Activity(teams[i % teams.Count], occurredAt: BeijingNow.AddMinutes(-i))).ToList();

        await using (var cluster = await GrainCluster.StartAsync(_folder.Path, serviceId))
        {
            await cluster.Grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(Guid.NewGuid());
            cluster.Storage.Reset();

            var results = await Task.WhenAll(activities.Select(a => cluster.Grains.GetGrain<IServiceTeamGrain>(a.TeamId).LogActivity(a)));

            results.Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
            cluster.Storage.WritesByState.GetValueOrDefault("indexpage").Should().BeLessThan(activities.Count / 4, "claims that arrive while a page is written are stored by the next write");
        }

        // 600 ids in pages of 256: three pages, the last one partly filled.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "vanguardhub.db")};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM OrleansStorage WHERE GrainTypeString = 'indexpage' AND ServiceId = $service";
            command.Parameters.AddWithValue("$service", serviceId);
            Convert.ToInt32(await command.ExecuteScalarAsync()).Should().Be(3);
        }

        await using var restarted = await GrainCluster.StartAsync(_folder.Path, serviceId);
        var resent = await Task.WhenAll(activities.Select(a => restarted.Grains.GetGrain<IServiceTeamGrain>(a.TeamId).LogActivity(a)));
        resent.Should().OnlyContain(r => r.Outcome == LogOutcome.AlreadyStored);
        var reused = activities[0] with { TeamId = teams[1] };
        (await restarted.Grains.GetGrain<IServiceTeamGrain>(teams[1]).LogActivity(reused)).Outcome.Should().Be(LogOutcome.IdConflict);
    }

    [Fact]
    public async Task A_store_from_before_the_index_gets_one_built_from_the_teams_logs()
    {
        var serviceId = Guid.NewGuid().ToString("N");
        var activities = Enumerable.Range(0, 20)
            .Select(i => Activity(i % 2 == 0 ? RedPomegranate : Dianchi, occurredAt: BeijingNow.AddDays(-3 * i), residents: i))
            .ToList();
        await using (var first = await GrainCluster.StartAsync(_folder.Path, serviceId))
        {
            foreach (var activity in activities)
            {
                (await first.Grains.GetGrain<IServiceTeamGrain>(activity.TeamId).LogActivity(activity)).Outcome.Should().Be(LogOutcome.Created);
            }

            var corrected = activities[4] with { Title = "更正后的标题" };
            (await first.Grains.GetGrain<IServiceTeamGrain>(corrected.TeamId).Correct(new ActivityCorrection { ActivityId = corrected.Id, Replacement = corrected, Actor = "admin" }))
                .Outcome.Should().Be(CorrectionOutcome.Revised);
        }

        // Take the index away, as in a store written before it existed.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_folder.Path, "vanguardhub.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM OrleansStorage WHERE GrainTypeString IN ('index', 'indexpage') AND ServiceId = $service";
            command.Parameters.AddWithValue("$service", serviceId);
            (await command.ExecuteNonQueryAsync()).Should().BeGreaterThan(0);
        }

        await using var second = await GrainCluster.StartAsync(_folder.Path, serviceId);
        var index = second.Grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key);
        foreach (var activity in activities)
        {
            var location = await index.Find(activity.Id);
            location.Should().NotBeNull();
            location!.TeamId.Should().Be(activity.TeamId);
            (await second.Grains.GetGrain<IServiceTeamGrain>(activity.TeamId).LogActivity(activity)).Outcome.Should().Be(LogOutcome.AlreadyStored);
        }

        (await second.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivity(activities[0] with { TeamId = Dianchi })).Outcome.Should().Be(LogOutcome.IdConflict);
        var revisions = await second.Grains.GetGrain<IServiceTeamGrain>(activities[4].TeamId).GetRevisions(activities[4].Id);
        revisions.Select(r => r.Title).Should().Equal(activities[4].Title, "更正后的标题");
        (await second.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate).LogActivity(Activity(RedPomegranate))).Outcome.Should().Be(LogOutcome.Created);
    }
}
