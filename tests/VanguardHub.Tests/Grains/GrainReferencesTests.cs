using Microsoft.Extensions.DependencyInjection;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Grains;

/// <summary>The references kept for the calls made on every activity.</summary>
public sealed class GrainReferencesTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private GrainCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync(_folder.Path);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_kept_reference_reaches_the_grain_its_factory_would_and_belongs_to_that_factory()
    {
        var client = _cluster.Grains;
        var silo = _cluster.Cluster.GetSiloServiceProvider().GetRequiredService<IGrainFactory>();

        var team = client.Cached<IServiceTeamGrain>(TestData.Dianchi);
        team.Should().BeSameAs(client.Cached<IServiceTeamGrain>(TestData.Dianchi));
        team.GetGrainId().Should().Be(client.GetGrain<IServiceTeamGrain>(TestData.Dianchi).GetGrainId());
        (await team.GetSummary()).Profile.Id.Should().Be(TestData.Dianchi);

        var inSilo = silo.Cached<IServiceTeamGrain>(TestData.Dianchi);
        inSilo.Should().NotBeSameAs(team, "a reference made by the client's runtime would send the silo's calls through the client");
        inSilo.GetGrainId().Should().Be(team.GetGrainId());

        client.Cached<ICityBoardGrain>(CityBoard.Key).GetGrainId().Should().Be(client.GetGrain<ICityBoardGrain>(CityBoard.Key).GetGrainId());
    }

    [Fact]
    public void Past_the_limit_references_are_made_again_and_still_name_their_own_grains()
    {
        var client = _cluster.Grains;
        var keys = Enumerable.Range(0, 5000).Select(i => $"{TestData.Dianchi}/202611/{i}").ToArray();
        foreach (var key in keys)
        {
            client.Cached<IActivityLogChunkGrain>(key).GetPrimaryKeyString().Should().Be(key);
        }

        client.Cached<IActivityLogChunkGrain>(keys[0]).GetPrimaryKeyString().Should().Be(keys[0]);
    }
}
