using System.Collections.Immutable;
using Orleans.Concurrency;
using VanguardHub.Contracts.Board;

namespace VanguardHub.Grains.Board;

/// <summary>
/// Coalesces standings on their way to the board, one activation per silo. While one batch is on its way, newer
/// standings replace older ones of the same team, so the board receives at most one call in flight per silo
/// however fast the teams write.
/// </summary>
[StatelessWorker(1), Reentrant]
internal sealed class StandingRelayGrain : Grain, IStandingRelayGrain
{
    private readonly Dictionary<string, TeamStanding> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnterpriseStanding> _enterprises = new(StringComparer.Ordinal);
    private Task? _flushing;

    public Task ReportTeam(TeamStanding standing)
    {
        if (!_teams.TryGetValue(standing.TeamId, out var held) || held.LogLength <= standing.LogLength)
        {
            _teams[standing.TeamId] = standing;
        }

        return EnsureFlushing();
    }

    public Task ReportEnterprise(EnterpriseStanding standing)
    {
        _enterprises[standing.EnterpriseId] = standing;
        return EnsureFlushing();
    }

    private Task EnsureFlushing()
    {
        _flushing ??= Flush();
        return Task.CompletedTask;
    }

    private async Task Flush()
    {
        var board = GrainFactory.GetGrain<ICityBoardGrain>(CityBoard.Key);
        try
        {
            while (_teams.Count > 0 || _enterprises.Count > 0)
            {
                var teams = _teams.Values.ToImmutableArray();
                var enterprises = _enterprises.Values.ToImmutableArray();
                _teams.Clear();
                _enterprises.Clear();
                try
                {
                    await board.ReportStandings(teams, enterprises);
                }
                catch
                {
                    // Keep what failed unless something newer came in meanwhile, and try again shortly.
                    foreach (var team in teams)
                    {
                        _teams.TryAdd(team.TeamId, team);
                    }

                    foreach (var enterprise in enterprises)
                    {
                        _enterprises.TryAdd(enterprise.EnterpriseId, enterprise);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }
        }
        finally
        {
            _flushing = null;
        }
    }
}
