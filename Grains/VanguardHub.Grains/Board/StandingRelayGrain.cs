using Orleans.Concurrency;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Board;

namespace VanguardHub.Grains.Board;

/// <summary>
/// Coalesces standings on their way to the board, one activation per silo. While one batch is on its way, newer
/// standings replace older ones of the same team, so the board receives at most one call in flight per silo
/// however fast the teams write. Its sends run between calls, so the runtime must not take the activation for an
/// idle worker and remove it with standings still held: it stays until the usual collection age.
/// </summary>
[StatelessWorker(1, removeIdleWorkers: false), Reentrant]
internal sealed class StandingRelayGrain : Grain, IStandingRelayGrain
{
    private readonly StandingCoalescer _pending;

    public StandingRelayGrain()
    {
        _pending = new StandingCoalescer(
            (teams, enterprises) => GrainFactory.Cached<ICityBoardGrain>(CityBoard.Key).ReportStandings(teams, enterprises),
            TimeSpan.FromSeconds(1));
    }

    public Task ReportTeam(TeamStanding standing)
    {
        _pending.Add(standing);
        return Task.CompletedTask;
    }

    public Task ReportEnterprise(EnterpriseStanding standing)
    {
        _pending.Add(standing);
        return Task.CompletedTask;
    }
}
