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
    public void A_partner_already_in_the_ranking_travels_without_its_names()
    {
        static PartnerContribution Partner(string id, int activities) => new()
        {
            EnterpriseId = id, NameZh = id + "（中文）", NameEn = id + " (English)", Kind = "served-enterprise", Tally = ActivityTally.Zero with { Activities = activities },
        };
        var earlier = Race(1, ("alpha", 1)) with { Partners = [Partner("kfc", 2)] };
        var later = Race(2, ("alpha", 2)) with { Partners = [Partner("kfc", 3), Partner("yuneng", 1)] };

        var delta = BoardDelta.Between(earlier, later)!;

        var partners = delta.Partners!.Value;
        partners.Select(p => (p.EnterpriseId, p.Tally[0])).Should().Equal(("kfc", 3), ("yuneng", 1));
        partners[0].NameZh.Should().BeNull();
        partners[0].Kind.Should().BeNull();
        partners[1].NameZh.Should().Be("yuneng（中文）");
        partners[1].Kind.Should().Be("served-enterprise");
        BoardDelta.Between(earlier, later with { Partners = earlier.Partners })!.Partners.Should().BeNull("an unchanged ranking does not travel");
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
