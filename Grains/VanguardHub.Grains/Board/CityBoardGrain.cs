using System.Collections.Immutable;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Board;

/// <summary>
/// Keeps every team's latest standing in memory and sums them into snapshots. It stores nothing of its own:
/// on activation it asks every team, so its figures are always the sum of what the teams hold.
/// </summary>
internal sealed class CityBoardGrain(Roster roster, TimeProvider clock) : Grain, ICityBoardGrain
{
    private const int FeedLength = 20;
    private const int TrendDays = 30;

    private readonly Dictionary<string, TeamStanding> _standings = new(StringComparer.Ordinal);
    private BoardSnapshot? _snapshot;
    private long _version;
    private DateTimeOffset _changedAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await PullAll();

    public Task ReportStanding(TeamStanding standing)
    {
        if (roster.FindTeam(standing.TeamId) is null)
        {
            return Task.CompletedTask;
        }

        if (_standings.TryGetValue(standing.TeamId, out var held) && held.LogLength > standing.LogLength)
        {
            return Task.CompletedTask; // a late report of an older state
        }

        _standings[standing.TeamId] = standing;
        MarkChanged();
        return Task.CompletedTask;
    }

    public Task<BoardSnapshot> GetSnapshot() => Task.FromResult(_snapshot ??= Compose());

    public async Task<BoardSnapshot> Refresh()
    {
        await PullAll();
        return _snapshot ??= Compose();
    }

    private async Task PullAll()
    {
        var standings = await Task.WhenAll(roster.Teams.Select(t => GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).GetStanding()));
        _standings.Clear();
        foreach (var standing in standings)
        {
            _standings[standing.TeamId] = standing;
        }

        MarkChanged();
    }

    private void MarkChanged()
    {
        _snapshot = null;
        _changedAt = clock.GetUtcNow();

        // Versions must grow across restarts of the board too; the clock carries them over.
        _version = Math.Max(_version + 1, _changedAt.ToUnixTimeMilliseconds());
    }

    private BoardSnapshot Compose()
    {
        var totals = ActivityTally.Zero;
        var byDomain = ImmutableDictionary<string, ActivityTally>.Empty;
        var byDistrict = ImmutableDictionary<string, ActivityTally>.Empty;
        var today = BeijingTime.DayOf(clock.GetUtcNow());
        var trendStart = today.AddDays(1 - TrendDays);
        var trend = new ActivityTally[TrendDays];
        Array.Fill(trend, ActivityTally.Zero);

        foreach (var standing in _standings.Values)
        {
            var aggregates = standing.Aggregates;
            totals += aggregates.Total;
            byDomain = aggregates.ByDomain.Aggregate(byDomain, (map, kv) => Aggregation.AddTo(map, kv.Key, kv.Value));
            byDistrict = aggregates.ByDistrict.Aggregate(byDistrict, (map, kv) => Aggregation.AddTo(map, kv.Key, kv.Value));
            foreach (var day in aggregates.Daily)
            {
                var index = day.Day.DayNumber - trendStart.DayNumber;
                if (index is >= 0 and < TrendDays)
                {
                    trend[index] += day.Tally;
                }
            }
        }

        var leaderboard = roster.Teams
            .Select(team => (team, tally: _standings.GetValueOrDefault(team.Id)?.Aggregates.Total ?? ActivityTally.Zero))
            .OrderByDescending(x => x.tally.Activities)
            .ThenByDescending(x => x.tally.Outcomes.ResidentsServed)
            .ThenBy(x => x.team.Id, StringComparer.Ordinal)
            .Select((x, i) => new LeaderboardEntry
            {
                Rank = i + 1,
                TeamId = x.team.Id,
                NameZh = x.team.NameZh,
                NameEn = x.team.NameEn,
                Members = x.team.Members,
                Tally = x.tally,
            });

        var feed = _standings.Values
            .SelectMany(s => s.Recent)
            .OrderByDescending(a => a.RecordedAt)
            .ThenByDescending(a => a.Id)
            .Take(FeedLength)
            .Select(a => new FeedItem
            {
                Activity = a,
                TeamNameZh = roster.FindTeam(a.TeamId)?.NameZh ?? a.TeamId,
                TeamNameEn = roster.FindTeam(a.TeamId)?.NameEn ?? a.TeamId,
            });

        return new BoardSnapshot
        {
            Version = _version,
            AsOf = _changedAt,
            Totals = totals,
            ByDomain = byDomain,
            ByDistrict = byDistrict,
            Leaderboard = [.. leaderboard],
            Recent = [.. feed],
            Trend = [.. trend.Select((tally, i) => new DayTally { Day = trendStart.AddDays(i), Tally = tally })],
        };
    }
}
