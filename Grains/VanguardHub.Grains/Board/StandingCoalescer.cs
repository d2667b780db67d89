using System.Collections.Immutable;
using VanguardHub.Contracts.Board;

namespace VanguardHub.Grains.Board;

/// <summary>
/// Holds the newest standing of each team and enterprise until it is sent, and keeps one send in flight: what arrives
/// while a send is on its way goes in the next one. Not thread-safe; its grain calls it one turn at a time.
/// </summary>
internal sealed class StandingCoalescer(
    Func<ImmutableArray<TeamStanding>, ImmutableArray<EnterpriseStanding>, Task> send,
    TimeSpan retryAfter)
{
    private readonly Dictionary<string, TeamStanding> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnterpriseStanding> _enterprises = new(StringComparer.Ordinal);

    // A flag rather than the flush's task: a send that completes before its await looks at it runs the whole flush
    // synchronously, and a task stored after that would say "flushing" for ever while nothing sends.
    private bool _flushing;

    public int Pending => _teams.Count + _enterprises.Count;

    public bool Flushing => _flushing;

    public void Add(TeamStanding standing)
    {
        if (!_teams.TryGetValue(standing.TeamId, out var held) || held.LogLength <= standing.LogLength)
        {
            _teams[standing.TeamId] = standing;
        }

        EnsureFlushing();
    }

    public void Add(EnterpriseStanding standing)
    {
        _enterprises[standing.EnterpriseId] = standing;
        EnsureFlushing();
    }

    private void EnsureFlushing()
    {
        if (!_flushing)
        {
            _flushing = true;
            _ = Flush();
        }
    }

    private async Task Flush()
    {
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
                    await send(teams, enterprises);
                }
                catch
                {
                    // Keep what failed unless something newer came in meanwhile, and try again shortly.
                    foreach (var team in teams)
                    {
                        if (!_teams.TryGetValue(team.TeamId, out var newer) || newer.LogLength < team.LogLength)
                        {
                            _teams[team.TeamId] = team;
                        }
                    }

                    foreach (var enterprise in enterprises)
                    {
                        _enterprises.TryAdd(enterprise.EnterpriseId, enterprise);
                    }

                    await Task.Delay(retryAfter);
                }
            }
        }
        finally
        {
            _flushing = false;
        }
    }
}
