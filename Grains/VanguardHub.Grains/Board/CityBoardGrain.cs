using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Board;

/// <summary>
/// Keeps every team's and enterprise's latest standing in memory and sums them into numbered snapshots. It stores
/// nothing of its own: on activation it asks every team and enterprise (snapshots wait for that), so its figures are
/// always the sum of what they hold. It pushes a snapshot to the registered web hosts when something changed, at most
/// <see cref="WallOptions.MaxPushesPerSecond"/> a second, and a heartbeat when nothing did.
/// </summary>
/// <remarks>
/// A change that comes after a quiet spell goes out at once; one that comes sooner after the last push waits until a
/// push interval has passed since that push went out. A periodic grain timer counts its period from the end of its
/// last callback, and its ticks wait their turn in the grain's queue: on a busy node its pushes came half as often as
/// configured, and every activity waited for the next one.
/// </remarks>
internal sealed partial class CityBoardGrain(
    Roster roster, TimeProvider clock, IOptions<WallOptions> options, ILogger<CityBoardGrain> logger) : Grain, ICityBoardGrain
{
    private const int FeedLength = 20;
    private const int TrendDays = 30;
    private const int PartnerCount = 10;

    private readonly Dictionary<string, TeamStanding> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EnterpriseStanding> _enterprises = new(StringComparer.Ordinal);
    private readonly HostRegistrations<IBoardObserver> _subscribers = new(clock, CityBoard.SubscriptionLifetime);
    private readonly HashSet<string> _changedTeams = new(StringComparer.Ordinal);
    private Task _pulled = Task.CompletedTask;
    private BoardSnapshot? _snapshot;
    private BoardSnapshot? _published;
    private long _version;
    private DateTimeOffset _changedAt;
    private DateTimeOffset _lastSentAt;
    private DateTimeOffset _lastPushAt = DateTimeOffset.MinValue;
    private IGrainTimer? _pushTimer;
    private bool _pushScheduled;
    private DateTimeOffset _pushDueAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The first pull activates every team and enterprise, about a second on a long store. Callers that need the
        // figures wait for it (a snapshot is never a partial sum); registrations and reports do not, so a starting
        // service is ready for its walls while the pull runs.
        _pulled = Pull();
        _pushTimer = this.RegisterGrainTimer(Publish, new GrainTimerCreationOptions
        {
            DueTime = Timeout.InfiniteTimeSpan, Period = Timeout.InfiniteTimeSpan, KeepAlive = true,
        });
        var beat = options.Value.BeatInterval;
        this.RegisterGrainTimer(Beat, new GrainTimerCreationOptions { DueTime = beat, Period = beat, KeepAlive = true });
        var resync = options.Value.ResyncInterval;
        this.RegisterGrainTimer(Resync, new GrainTimerCreationOptions { DueTime = resync, Period = resync, KeepAlive = true });
        return Task.CompletedTask;
    }

    /// <summary>Completes once the board holds every team's and enterprise's standing; a failed pull is tried again.</summary>
    private Task Pulled()
    {
        if (_pulled.IsFaulted || _pulled.IsCanceled)
        {
            _pulled = Pull();
        }

        return _pulled;
    }

    /// <summary>The first pull: reports that arrived while it ran are newer than what it got, and stay.</summary>
    private async Task Pull() => Take(await Standings(), everything: false, resync: false);

    /// <summary>
    /// Reports are pushed, and a push can be lost: a node dies with a report in flight, or, while a cluster replaces a
    /// dead node, reports reach another activation of this board for a moment. Every few seconds the board asks each
    /// team and enterprise again and takes whatever is newer than what it holds, so it converges on the logs by itself.
    /// </summary>
    private async Task Resync(CancellationToken cancellationToken)
    {
        if (!_pulled.IsCompletedSuccessfully)
        {
            if (_pulled.IsCompleted)
            {
                _ = Pulled(); // the first pull failed: try it again
            }

            return;
        }

        try
        {
            Take(await Standings(), everything: false, resync: true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResyncFailed(logger, e);
        }
    }
    public Task ReportStandings(ImmutableArray<TeamStanding> teams, ImmutableArray<EnterpriseStanding> enterprises)
    {
        var changed = false;
        foreach (var standing in teams)
        {
            if (roster.FindTeam(standing.TeamId) is null
                || (_teams.TryGetValue(standing.TeamId, out var held) && held.LogLength > standing.LogLength))
            {
                continue; // not on the roster, or a late report of an older state
            }

            _teams[standing.TeamId] = standing;
            _changedTeams.Add(standing.TeamId);
            changed = true;
        }

        foreach (var standing in enterprises)
        {
            if (roster.FindEnterprise(standing.EnterpriseId) is not null)
            {
                _enterprises[standing.EnterpriseId] = standing;
                changed = true;
            }
        }

        if (changed)
        {
            MarkChanged();
        }

        return Task.CompletedTask;
    }

    public async Task<BoardSnapshot> GetSnapshot()
    {
        await Pulled();
        return Current();
    }

    public Task<long> GetVersion() => Task.FromResult(_version);

    public async Task<BoardSnapshot> Refresh()
    {
        await Pulled();
        await PullAll();
        return Current();
    }

    public Task Subscribe(Guid hostId, IBoardObserver observer)
    {
        _subscribers.Renew(hostId, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(Guid hostId)
    {
        _subscribers.Remove(hostId);
        return Task.CompletedTask;
    }

    /// <summary>Pushes the current snapshot at the time <see cref="SchedulePush"/> set.</summary>
    private Task Publish(CancellationToken cancellationToken)
    {
        _pushScheduled = false;
        DropLapsed();
        if (_subscribers.Count == 0)
        {
            return Task.CompletedTask; // a host that registers later reads the board's snapshot then
        }

        if (!_pulled.IsCompletedSuccessfully)
        {
            ArmPush(options.Value.PushInterval); // the figures are not whole yet: look again an interval on
            return Task.CompletedTask;
        }

        var snapshot = Current();
        if (_published is not null && snapshot.Version == _published.Version)
        {
            return Task.CompletedTask;
        }

        var now = clock.GetUtcNow();
        ImmutableArray<TeamStanding> teams = [.. _changedTeams.Select(id => _teams[id])];
        _changedTeams.Clear();
        foreach (var (_, observer) in _subscribers.All)
        {
            observer.OnSnapshot(snapshot).Ignore();
            if (teams.Length > 0)
            {
                observer.OnTeams(teams).Ignore();
            }
        }

        _published = snapshot;
        _lastSentAt = now;
        _lastPushAt = now;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sets the next push for when a push interval has passed since the last one went out: at once after a quiet
    /// spell. Changes that come before it goes out ride along with it.
    /// </summary>
    private void SchedulePush()
    {
        if (_pushScheduled || _pushTimer is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var due = _lastPushAt == DateTimeOffset.MinValue ? TimeSpan.Zero : _lastPushAt + options.Value.PushInterval - now;
        ArmPush(due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    private void ArmPush(TimeSpan due)
    {
        _pushTimer!.Change(due, Timeout.InfiniteTimeSpan);
        _pushScheduled = true;
        _pushDueAt = clock.GetUtcNow() + due;
    }

    /// <summary>
    /// Drops lapsed registrations; pushes what changed while no host listened; and confirms the current version when
    /// nothing has gone out for a while.
    /// </summary>
    private Task Beat(CancellationToken cancellationToken)
    {
        DropLapsed();
        if (_pushScheduled && clock.GetUtcNow() - _pushDueAt > options.Value.BeatInterval)
        {
            // A push due this long ago never ran: never let one lost tick stop the walls' updates.
            LogPushOverdue(logger);
            _pushScheduled = false;
        }

        if (_subscribers.Count == 0 || _pushScheduled || !_pulled.IsCompletedSuccessfully)
        {
            return Task.CompletedTask;
        }

        if (_published is null || Current().Version != _published.Version)
        {
            SchedulePush();
            return Task.CompletedTask;
        }

        var now = clock.GetUtcNow();
        if (now - _lastSentAt < options.Value.HeartbeatInterval)
        {
            return Task.CompletedTask;
        }

        var heartbeat = new BoardHeartbeat { Version = _published.Version, At = now };
        foreach (var (_, observer) in _subscribers.All)
        {
            observer.OnHeartbeat(heartbeat).Ignore();
        }

        _lastSentAt = now;
        return Task.CompletedTask;
    }

    private void DropLapsed()
    {
        foreach (var lapsed in _subscribers.DropLapsed())
        {
            LogLapsed(logger, lapsed);
        }
    }

    private async Task PullAll() => Take(await Standings(), everything: true, resync: false);

    private async Task<(TeamStanding[] Teams, EnterpriseStanding[] Enterprises)> Standings() =>
        (await Task.WhenAll(roster.Teams.Select(t => GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).GetStanding())),
         await Task.WhenAll(roster.Enterprises.Select(e => GrainFactory.GetGrain<IPartnerEnterpriseGrain>(e.Id).GetStanding())));

    /// <summary>
    /// Takes standings asked of the teams and enterprises: all of them (on a refresh after a rebuild), or only those
    /// newer than what the board holds (the first pull and a resync, which must not undo a report that arrived meanwhile).
    /// </summary>
    private void Take((TeamStanding[] Teams, EnterpriseStanding[] Enterprises) standings, bool everything, bool resync)
    {
        var changed = everything;
        foreach (var standing in standings.Teams)
        {
            if (everything || !_teams.TryGetValue(standing.TeamId, out var held) || held.LogLength < standing.LogLength
                || (held.LogLength == standing.LogLength && held.AsOf != standing.AsOf))
            {
                _teams[standing.TeamId] = standing;
                _changedTeams.Add(standing.TeamId);
                changed = true;
            }
        }

        foreach (var standing in standings.Enterprises)
        {
            if (everything || !_enterprises.TryGetValue(standing.EnterpriseId, out var held) || held.AsOf != standing.AsOf || held.Total != standing.Total)
            {
                _enterprises[standing.EnterpriseId] = standing;
                changed = true;
            }
        }

        if (changed)
        {
            if (resync)
            {
                LogResynced(logger);
            }

            MarkChanged();
        }
    }
    private void MarkChanged()
    {
        _snapshot = null;
        _changedAt = clock.GetUtcNow();

        // Versions must grow across restarts of the board too; the clock carries them over.
        _version = Math.Max(_version + 1, _changedAt.ToUnixTimeMilliseconds());
        SchedulePush();
    }

    private BoardSnapshot Current() => _snapshot ??= Compose();

    private BoardSnapshot Compose()
    {
        var totals = ActivityTally.Zero;
        var verified = ActivityTally.Zero;
        var byDomain = ImmutableDictionary<string, ActivityTally>.Empty;
        var byDistrict = ImmutableDictionary<string, ActivityTally>.Empty;
        var today = BeijingTime.DayOf(clock.GetUtcNow());
        var trendStart = today.AddDays(1 - TrendDays);
        var trend = new ActivityTally[TrendDays];
        Array.Fill(trend, ActivityTally.Zero);

        foreach (var standing in _teams.Values)
        {
            var aggregates = standing.Aggregates;
            totals += aggregates.Total;
            verified += aggregates.Verified;
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

        return new BoardSnapshot
        {
            Version = _version,
            AsOf = _changedAt,
            Totals = totals,
            ByDomain = byDomain,
            ByDistrict = byDistrict,
            Leaderboard = Leaderboard(today),
            Recent = Feed(),
            Trend = [.. trend.Select((tally, i) => new DayTally { Day = trendStart.AddDays(i), Tally = tally })],
            PreviousVersion = _published?.Version ?? 0,
            Partners = Partners(),
            Verified = verified,
        };
    }

    /// <summary>The team race: by activities, then residents served; with yesterday's rank and the gap to the team above.</summary>
    private ImmutableArray<LeaderboardEntry> Leaderboard(DateOnly today)
    {
        // Months in Beijing time; the teams' 92-day window covers this month and the whole of the last one.
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var lastMonthStart = monthStart.AddMonths(-1);
        var rows = roster.Teams.Select(team =>
        {
            var aggregates = _teams.GetValueOrDefault(team.Id)?.Aggregates;
            var total = aggregates?.Total ?? ActivityTally.Zero;
            var todays = aggregates?.Daily.FirstOrDefault(d => d.Day == today)?.Tally ?? ActivityTally.Zero;
            var thisMonth = aggregates?.Daily.Where(d => d.Day >= monthStart).Sum(d => d.Tally.Activities) ?? 0;
            var lastMonth = aggregates?.Daily.Where(d => d.Day >= lastMonthStart && d.Day < monthStart).Sum(d => d.Tally.Activities) ?? 0;
            return (team, total, todays, yesterday: total - todays, thisMonth, lastMonth, verified: aggregates?.Verified ?? ActivityTally.Zero);
        }).ToList();

        var previousRanks = rows
            .OrderByDescending(r => r.yesterday.Activities)
            .ThenByDescending(r => r.yesterday.Outcomes.ResidentsServed)
            .ThenBy(r => r.team.Id, StringComparer.Ordinal)
            .Select((r, i) => (r.team.Id, rank: i + 1))
            .ToDictionary(x => x.Id, x => x.rank, StringComparer.Ordinal);

        var ranked = rows
            .OrderByDescending(r => r.total.Activities)
            .ThenByDescending(r => r.total.Outcomes.ResidentsServed)
            .ThenBy(r => r.team.Id, StringComparer.Ordinal)
            .ToList();

        return [.. ranked.Select((r, i) => new LeaderboardEntry
        {
            Rank = i + 1,
            TeamId = r.team.Id,
            NameZh = r.team.NameZh,
            NameEn = r.team.NameEn,
            Members = r.team.Members,
            Tally = r.total,
            PreviousRank = previousRanks[r.team.Id],
            GapToNext = i == 0 ? 0 : ranked[i - 1].total.Activities - r.total.Activities,
            Today = r.todays,
            PerMember = r.team.Members > 0 ? Math.Round((double)r.total.Activities / r.team.Members, 3) : 0,
            ThisMonth = r.thisMonth,
            LastMonth = r.lastMonth,
            Verified = r.verified,
        })];
    }

    private ImmutableArray<FeedItem> Feed() =>
    [
        .. _teams.Values
            .SelectMany(s => s.Recent)
            .OrderByDescending(a => a.RecordedAt)
            .ThenByDescending(a => a.Id)
            .Take(FeedLength)
            .Select(a => new FeedItem
            {
                // What the feed shows: the description (up to a page of text) stays in the activity's own record.
                Activity = a with { Description = null },
                TeamNameZh = roster.FindTeam(a.TeamId)?.NameZh ?? a.TeamId,
                TeamNameEn = roster.FindTeam(a.TeamId)?.NameEn ?? a.TeamId,
            }),
    ];

    private ImmutableArray<PartnerContribution> Partners() =>
    [
        .. _enterprises.Values
            .Where(e => e.Total.Activities > 0)
            .OrderByDescending(e => e.Total.Activities)
            .ThenBy(e => e.EnterpriseId, StringComparer.Ordinal)
            .Take(PartnerCount)
            .Select(e => roster.FindEnterprise(e.EnterpriseId)!)
            .Select(p => new PartnerContribution
            {
                EnterpriseId = p.Id,
                NameZh = p.NameZh,
                NameEn = p.NameEn,
                Kind = p.Kind,
                Tally = _enterprises[p.Id].Total,
            }),
    ];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Board: could not ask the teams again; trying at the next interval")]
    private static partial void LogResyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Board: asking the teams again found figures it had missed; publishing them")]
    private static partial void LogResynced(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Board: a scheduled push did not run; scheduling it again")]
    private static partial void LogPushOverdue(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web host {HostId} stopped renewing its board subscription; dropped")]
    private static partial void LogLapsed(ILogger logger, Guid hostId);
}
