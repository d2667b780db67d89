using System.Collections.Immutable;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Board;

namespace VanguardHub.Tests.Wall;

/// <summary>The relay between the teams and the board: every standing reaches the board, newest per team.</summary>
public sealed class StandingRelayTests
{
    private static TeamStanding Standing(string team, long logLength) => new()
    {
        TeamId = team,
        Aggregates = TeamAggregates.Empty,
        LogLength = logLength,
    };

    [Fact]
    public void A_board_that_answers_at_once_still_gets_every_later_report()
    {
        // A local board can answer before the relay's await looks at the call: the whole flush then runs synchronously.
        var sent = new List<(string Team, long Length)>();
        var relay = new StandingCoalescer((teams, _) =>
        {
            sent.AddRange(teams.Select(t => (t.TeamId, t.LogLength)));
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(10));

        relay.Add(Standing("dianchi", 1));
        relay.Add(Standing("dianchi", 2));
        relay.Add(Standing("xishan", 1));

        sent.Should().Equal(("dianchi", 1L), ("dianchi", 2L), ("xishan", 1L));
        relay.Flushing.Should().BeFalse();
        relay.Pending.Should().Be(0);
    }

    [Fact]
    public async Task Reports_arriving_during_a_call_go_in_the_next_one_newest_per_team()
    {
        var (relay, calls, inFlight) = RelayWhoseFirstCallWaits();

        relay.Add(Standing("dianchi", 1));
        relay.Add(Standing("dianchi", 3));
        relay.Add(Standing("dianchi", 2)); // older than what is held: kept out
        relay.Add(Standing("xishan", 5));
        calls.Should().HaveCount(1, "one call in flight at a time");

        inFlight.SetResult();
        await WaitUntil(() => !relay.Flushing);

        calls.Should().HaveCount(2);
        calls[1].Select(t => (t.TeamId, t.LogLength)).Should().BeEquivalentTo([("dianchi", 3L), ("xishan", 5L)]);
    }

    [Fact]
    public async Task A_failed_call_is_retried_without_overwriting_a_newer_standing()
    {
        var (relay, calls, first) = RelayWhoseFirstCallWaits();

        relay.Add(Standing("dianchi", 1));
        relay.Add(Standing("xishan", 4));
        relay.Add(Standing("dianchi", 3));
        calls.Should().HaveCount(1);
        first.SetException(new TimeoutException("the board did not answer"));
        await WaitUntil(() => !relay.Flushing);

        calls.Should().HaveCount(2);
        calls[1].Select(t => (t.TeamId, t.LogLength)).Should().BeEquivalentTo([("dianchi", 3L), ("xishan", 4L)]);
    }

    /// <summary>A relay whose first call to the board stays in flight until the test ends it; later calls succeed at once.</summary>
    private static (StandingCoalescer Relay, List<ImmutableArray<TeamStanding>> Calls, TaskCompletionSource First) RelayWhoseFirstCallWaits()
    {
        var calls = new List<ImmutableArray<TeamStanding>>();
        var first = new TaskCompletionSource();
        var relay = new StandingCoalescer((teams, _) =>
        {
            calls.Add(teams);
            return calls.Count == 1 ? first.Task : Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(10));
        return (relay, calls, first);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        condition().Should().BeTrue();
    }
}
