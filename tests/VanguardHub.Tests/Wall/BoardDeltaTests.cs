using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Dashboard.Wall;

namespace VanguardHub.Tests.Wall;

/// <summary>How a delta tells the race's order: positions in the sorted team ids while the teams stay the same, the ids themselves when one joins.</summary>
public sealed class BoardDeltaTests
{
    private static BoardSnapshot Race(long version, params (string Team, int Activities)[] rows) => new()
    {
        Version = version,
        AsOf = DateTimeOffset.UnixEpoch.AddSeconds(version),
        Totals = ActivityTally.Zero,
        ByDomain = ImmutableDictionary<string, ActivityTally>.Empty,
        ByDistrict = ImmutableDictionary<string, ActivityTally>.Empty,
        Leaderboard = [.. rows.Select((r, i) => new LeaderboardEntry
        {
            Rank = i + 1, TeamId = r.Team, NameZh = r.Team, NameEn = r.Team, Members = 10, Tally = ActivityTally.Zero with { Activities = r.Activities },
        })],
        Recent = [],
        Trend = [],
    };

    [Fact]
    public void With_the_same_teams_the_order_travels_as_positions_in_their_sorted_ids()
    {
        var earlier = Race(1, ("zeta", 5), ("alpha", 4), ("mid", 3));
        var later = Race(2, ("mid", 9), ("zeta", 5), ("alpha", 4));

        var delta = BoardDelta.Between(earlier, later)!;

        delta.Order.Should().BeNull();
        // Sorted: alpha 0, mid 1, zeta 2.
        delta.Ranked!.Value.Should().Equal(1, 2, 0);
        delta.Leaderboard.Select(r => r.TeamId).Should().Equal("mid");
    }

    [Fact]
    public void When_a_team_joins_the_race_the_order_travels_as_team_ids()
    {
        var earlier = Race(1, ("zeta", 5), ("alpha", 4));
        var later = Race(2, ("zeta", 5), ("newcomer", 4), ("alpha", 4));

        var delta = BoardDelta.Between(earlier, later)!;

        delta.Ranked.Should().BeNull();
        delta.Order!.Value.Should().Equal("zeta", "newcomer", "alpha");
    }
}
