using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>When the city board pushes: at once after a quiet spell, and never more often than configured.</summary>
public sealed class BoardPushTimingTests : IAsyncDisposable
{
    private readonly TempFolder _folder = new();
    private GrainCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _folder.Dispose();
    }

    private async Task<(IServiceTeamGrain Team, RecordingObserver Pushes)> Start(double pushesPerSecond)
    {
        _cluster = await GrainCluster.StartAsync(_folder.Path, settings: new Dictionary<string, string?>
        {
            ["Wall:MaxPushesPerSecond"] = pushesPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Wall:HeartbeatSeconds"] = "60",
        });
        var pushes = new RecordingObserver();
        var board = _cluster.Grains.GetGrain<ICityBoardGrain>(CityBoard.Key);
        await board.Subscribe(Guid.NewGuid(), _cluster.Grains.CreateObjectReference<IBoardObserver>(pushes));
        await board.GetSnapshot();
        return (_cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi), pushes);
    }

    [Fact]
    public async Task After_a_quiet_spell_a_change_goes_out_at_once_however_long_the_push_interval()
    {
        // One push every 4 s at most. A timer ticking every 4 s would hold the second change back until its next tick.
        var (team, pushes) = await Start(pushesPerSecond: 0.25);
        var first = Activity(Dianchi);
        await team.LogActivity(first);
        await pushes.Until(first.Id, TimeSpan.FromSeconds(10));

        await Task.Delay(TimeSpan.FromSeconds(4.5)); // quiet for longer than the interval
        var second = Activity(Dianchi);
        var logged = Stopwatch.StartNew();
        await team.LogActivity(second);
        await pushes.Until(second.Id, TimeSpan.FromSeconds(10));
        logged.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the last push was more than an interval ago");
    }

    [Fact]
    public async Task A_change_soon_after_a_push_waits_for_the_interval_and_rides_with_the_changes_after_it()
    {
        var (team, pushes) = await Start(pushesPerSecond: 1);
        var first = Activity(Dianchi);
        await team.LogActivity(first);
        var firstPush = await pushes.Until(first.Id, TimeSpan.FromSeconds(10));

        var next = Enumerable.Range(0, 3).Select(_ => Activity(Dianchi)).ToList();
        foreach (var activity in next)
        {
            await team.LogActivity(activity);
        }

        var secondPush = await pushes.Until(next[^1].Id, TimeSpan.FromSeconds(10));
        (secondPush.At - firstPush.At).Should().BeGreaterThan(TimeSpan.FromMilliseconds(900), "at most one push a second");
        secondPush.Snapshot.Recent.Select(f => f.Activity.Id).Should().Contain(next.Select(a => a.Id), "the changes in between ride along");
        pushes.Count(since: firstPush).Should().Be(1, "the three changes went out in one push");
    }

    private sealed class RecordingObserver : IBoardObserver
    {
        private readonly ConcurrentQueue<(BoardSnapshot Snapshot, TimeSpan At)> _pushes = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public Task OnSnapshot(BoardSnapshot snapshot)
        {
            _pushes.Enqueue((snapshot, _clock.Elapsed));
            return Task.CompletedTask;
        }

        public Task OnTeams(ImmutableArray<TeamStanding> teams) => Task.CompletedTask;

        public Task OnHeartbeat(BoardHeartbeat heartbeat) => Task.CompletedTask;

        public async Task<(BoardSnapshot Snapshot, TimeSpan At)> Until(Guid activity, TimeSpan timeout)
        {
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < timeout)
            {
                foreach (var push in _pushes)
                {
                    if (push.Snapshot.Recent.Any(f => f.Activity.Id == activity))
                    {
                        return push;
                    }
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"no push showed activity {activity} within {timeout}");
        }

        public int Count((BoardSnapshot Snapshot, TimeSpan At) since) => _pushes.Count(p => p.Snapshot.Version > since.Snapshot.Version);
    }
}
