using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;

namespace VanguardHub.Contracts.Board;

/// <summary>
/// The city-wide picture on the wall. It holds each team's latest standing (absolute figures, not deltas,
/// so a repeated or late report cannot double count) and sums them into numbered snapshots.
/// </summary>
[Alias("vh.ICityBoardGrain")]
public interface ICityBoardGrain : IGrainWithIntegerKey
{
    /// <summary>Latest standings, coalesced by each silo's relay: a burst of activities arrives as one batch.</summary>
    [Alias("ReportStandings")]
    Task ReportStandings(ImmutableArray<TeamStanding> teams, ImmutableArray<EnterpriseStanding> enterprises);

    [Alias("GetSnapshot")]
    Task<BoardSnapshot> GetSnapshot();

    /// <summary>
    /// The newest snapshot's version, answered at once, even while a starting board is still asking every team for
    /// its figures (then 0) or another call is waiting for that: it tells that the silo answers grain calls.
    /// </summary>
    [Alias("GetVersion"), Orleans.Concurrency.AlwaysInterleave]
    Task<long> GetVersion();

    /// <summary>Asks every team for its standing again (after a rebuild, or to heal a lost report).</summary>
    [Alias("Refresh")]
    Task<BoardSnapshot> Refresh();

    /// <summary>
    /// Registers a web host's observer for pushed snapshots. Observers are not durable and a host may die
    /// without saying so: a registration lapses unless renewed within <see cref="CityBoard.SubscriptionLifetime"/>.
    /// </summary>
    [Alias("Subscribe")]
    Task Subscribe(Guid hostId, IBoardObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(Guid hostId);
}

/// <summary>What a web host hears from the board; it passes it on to its own SignalR connections.</summary>
[Alias("vh.IBoardObserver")]
public interface IBoardObserver : IGrainObserver
{
    [Alias("OnSnapshot"), Orleans.Concurrency.OneWay]
    Task OnSnapshot(BoardSnapshot snapshot);

    /// <summary>Teams whose standing changed since the previous snapshot, for clients watching one team.</summary>
    [Alias("OnTeams"), Orleans.Concurrency.OneWay]
    Task OnTeams(ImmutableArray<TeamStanding> teams);

    /// <summary>Nothing changed: the snapshot numbered <see cref="BoardHeartbeat.Version"/> is still current.</summary>
    [Alias("OnHeartbeat"), Orleans.Concurrency.OneWay]
    Task OnHeartbeat(BoardHeartbeat heartbeat);
}

/// <summary>
/// One per silo, stateless: teams and enterprises hand it their latest standing, and it forwards whatever has
/// piled up in one call to the board while the previous call is in flight, keeping only the newest per team.
/// </summary>
[Alias("vh.IStandingRelayGrain")]
public interface IStandingRelayGrain : IGrainWithIntegerKey
{
    [Alias("ReportTeam"), Orleans.Concurrency.OneWay]
    Task ReportTeam(TeamStanding standing);

    [Alias("ReportEnterprise"), Orleans.Concurrency.OneWay]
    Task ReportEnterprise(EnterpriseStanding standing);
}

public static class CityBoard
{
    /// <summary>There is one city board.</summary>
    public const long Key = 0;

    /// <summary>How long an observer registration lives unless renewed; hosts renew every third of it.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromSeconds(60);
}

/// <summary>What a team tells the board about itself.</summary>
[GenerateSerializer, Immutable, Alias("vh.TeamStanding")]
public sealed record TeamStanding
{
    [Id(0)] public required string TeamId { get; init; }
    [Id(1)] public required TeamAggregates Aggregates { get; init; }
    [Id(2)] public ImmutableArray<ActivityRecord> Recent { get; init; } = [];
    /// <summary>The team's log length when this was taken; a board keeps the newest standing per team.</summary>
    [Id(3)] public required long LogLength { get; init; }
    [Id(4)] public DateTimeOffset AsOf { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.BoardSnapshot")]
public sealed record BoardSnapshot
{
    /// <summary>Grows with every change; a client drops anything older than what it shows.</summary>
    [Id(0)] public required long Version { get; init; }
    [Id(1)] public required DateTimeOffset AsOf { get; init; }
    [Id(2)] public required ActivityTally Totals { get; init; }
    [Id(3)] public required ImmutableDictionary<string, ActivityTally> ByDomain { get; init; }
    [Id(4)] public required ImmutableDictionary<string, ActivityTally> ByDistrict { get; init; }
    [Id(5)] public required ImmutableArray<LeaderboardEntry> Leaderboard { get; init; }
    [Id(6)] public required ImmutableArray<FeedItem> Recent { get; init; }
    /// <summary>The last 30 Beijing-time days, oldest first, zero days included.</summary>
    [Id(7)] public required ImmutableArray<DayTally> Trend { get; init; }
    /// <summary>The version pushed before this one; a client that shows another version missed a push.</summary>
    [Id(8)] public long PreviousVersion { get; init; }
    /// <summary>The partner enterprises that took part in the most activities.</summary>
    [Id(9)] public ImmutableArray<PartnerContribution> Partners { get; init; } = [];
    /// <summary>The part of <see cref="Totals"/> that is verified.</summary>
    [Id(10)] public ActivityTally Verified { get; init; } = ActivityTally.Zero;
}

[GenerateSerializer, Immutable, Alias("vh.PartnerContribution")]
public sealed record PartnerContribution
{
    [Id(0)] public required string EnterpriseId { get; init; }
    [Id(1)] public required string NameZh { get; init; }
    [Id(2)] public required string NameEn { get; init; }
    [Id(3)] public required string Kind { get; init; }
    [Id(4)] public required ActivityTally Tally { get; init; }
}

/// <summary>What an enterprise tells the board about itself.</summary>
[GenerateSerializer, Immutable, Alias("vh.EnterpriseStanding")]
public sealed record EnterpriseStanding
{
    [Id(0)] public required string EnterpriseId { get; init; }
    [Id(1)] public required ActivityTally Total { get; init; }
    [Id(2)] public DateTimeOffset AsOf { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.BoardHeartbeat")]
public sealed record BoardHeartbeat
{
    [Id(0)] public required long Version { get; init; }
    [Id(1)] public required DateTimeOffset At { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.LeaderboardEntry")]
public sealed record LeaderboardEntry
{
    [Id(0)] public required int Rank { get; init; }
    [Id(1)] public required string TeamId { get; init; }
    [Id(2)] public required string NameZh { get; init; }
    [Id(3)] public required string NameEn { get; init; }
    [Id(4)] public required int Members { get; init; }
    [Id(5)] public required ActivityTally Tally { get; init; }
    /// <summary>The rank at the end of yesterday (Beijing time), for the rank-change arrow.</summary>
    [Id(6)] public int PreviousRank { get; init; }
    /// <summary>Activities behind the team ranked just above (0 for the leader).</summary>
    [Id(7)] public int GapToNext { get; init; }
    [Id(8)] public ActivityTally Today { get; init; } = ActivityTally.Zero;
    /// <summary>Activities per team member, so a team of 17 races fairly against one of 100.</summary>
    [Id(9)] public double PerMember { get; init; }
    /// <summary>Activities this Beijing-time month and last month, for the most-improved view.</summary>
    [Id(10)] public int ThisMonth { get; init; }
    [Id(11)] public int LastMonth { get; init; }
    /// <summary>The part of <see cref="Tally"/> that is verified; the race ranks by what is reported, so approvals never reorder it.</summary>
    [Id(12)] public ActivityTally Verified { get; init; } = ActivityTally.Zero;
}

/// <summary>An activity as the live feed shows it, with its team's names.</summary>
[GenerateSerializer, Immutable, Alias("vh.FeedItem")]
public sealed record FeedItem
{
    [Id(0)] public required ActivityRecord Activity { get; init; }
    [Id(1)] public required string TeamNameZh { get; init; }
    [Id(2)] public required string TeamNameEn { get; init; }
}
