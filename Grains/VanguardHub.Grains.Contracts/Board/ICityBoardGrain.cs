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
    [Alias("ReportStanding"), Orleans.Concurrency.OneWay]
    Task ReportStanding(TeamStanding standing);

    [Alias("GetSnapshot")]
    Task<BoardSnapshot> GetSnapshot();

    /// <summary>Asks every team for its standing again (after a rebuild, or to heal a lost report).</summary>
    [Alias("Refresh")]
    Task<BoardSnapshot> Refresh();
}

public static class CityBoard
{
    /// <summary>There is one city board.</summary>
    public const long Key = 0;
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
}

/// <summary>An activity as the live feed shows it, with its team's names.</summary>
[GenerateSerializer, Immutable, Alias("vh.FeedItem")]
public sealed record FeedItem
{
    [Id(0)] public required ActivityRecord Activity { get; init; }
    [Id(1)] public required string TeamNameZh { get; init; }
    [Id(2)] public required string TeamNameEn { get; init; }
}
