using VanguardHub.Contracts;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Grains;

/// <summary>At start-up every team of the roster is brought into memory, so each carries on what it left unfinished.</summary>
public sealed class TeamWakeUpTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_team_is_brought_into_memory_at_start_up_even_when_one_cannot_be()
    {
        var teams = Roster.Load().Teams.Select(t => t.Id).ToList();
        var broken = teams[0];

        // The first team of the roster cannot be read; nothing but the start-up wakes the others.
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, prepareStorage: storage => storage.FailingReads[$"team/{broken}"] = true);

        await Poll.Until(() => Task.FromResult(cluster.Storage.WasRead("team", teams[^1])));
        teams.Skip(1).Should().OnlyContain(id => cluster.Storage.WasRead("team", id));
        cluster.Storage.WasRead("team", broken).Should().BeFalse();
    }
}
