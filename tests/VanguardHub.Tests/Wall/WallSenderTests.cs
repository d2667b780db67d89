using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Operations;
using VanguardHub.Dashboard.Wall;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Wall;

/// <summary>
/// A host's sender to its walls. A send to every wall completes only when the slowest wall has taken it; here every
/// send stays unfinished until the test lets it finish, as with a wall that has stopped reading.
/// </summary>
public sealed class WallSenderTests : IAsyncLifetime
{
    private readonly StalledHub _hub = new();
    private readonly CancellationTokenSource _stop = new();
    private BoardPushObserver _observer = null!;
    private ServiceProvider _services = null!;
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new VanguardHubMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _observer = new BoardPushObserver(_hub, metrics, TimeProvider.System, NullLogger<BoardPushObserver>.Instance);
        _running = _observer.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _hub.FinishAll();
        await _stop.CancelAsync();
        await _running;
        await _services.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task A_wall_that_has_not_taken_a_snapshot_does_not_hold_back_the_next()
    {
        for (var version = 1; version <= 3; version++)
        {
            await Push(version);
        }

        var sent = _hub.Boards.ToArray();
        _hub.Finished.Should().Be(0, "no send has finished: the first wall is still to take the first snapshot");
        sent.Select(s => s.Version).Should().Equal(1, 2, 3);
        sent.Select(s => s.PreviousVersion).Should().Equal(0, 1, 2);
        _hub.Sent.Where(s => s.Method == "board").Select(s => s.Target).Should().Equal(
            ["all", $"group {BoardHub.SnapshotGroup}", $"group {BoardHub.SnapshotGroup}"], "the first push has nothing to count changes from");
        _hub.Sent.Where(s => s.Method == "boardDelta").Select(s => (s.Target, ((BoardDelta)s.Argument!).Since, ((BoardDelta)s.Argument!).Version))
            .Should().Equal([($"group {BoardHub.DeltaGroup}", 1L, 2L), ($"group {BoardHub.DeltaGroup}", 2L, 3L)]);
    }

    [Fact]
    public async Task Behind_by_too_many_sends_it_waits_then_sends_the_newest_snapshot_numbered_to_follow_its_last()
    {
        var limit = BoardPushObserver.MaxSendsInFlight;
        for (var version = 1; version <= limit + 1; version++)
        {
            await Push(version);
        }

        // The sender now waits for the oldest send; these pile up meanwhile.
        for (var version = limit + 2; version <= limit + 5; version++)
        {
            await _observer.OnSnapshot(Snapshot(version, previous: version - 1));
        }

        await Task.Delay(200);
        _hub.Boards.Should().HaveCount(limit + 1, "nothing more goes out while the oldest of too many sends is unfinished");

        _hub.FinishAll();
        var last = await Poll.Until(() => _hub.Boards.Count == limit + 2 ? _hub.Boards.Last() : null);
        last.Version.Should().Be(limit + 5, "only the newest of what piled up is sent");
        last.PreviousVersion.Should().Be(limit + 1, "a wall that took every push shows the host's last one, not the board's");
        _observer.Latest!.Version.Should().Be(limit + 5);
    }

    [Fact]
    public async Task Heartbeats_and_team_standings_are_passed_on()
    {
        await _observer.OnHeartbeat(new BoardHeartbeat { Version = 7, At = DateTimeOffset.UtcNow });
        await _observer.OnTeams([new TeamStanding { TeamId = "red-pomegranate", Aggregates = TeamAggregates.Empty, LogLength = 4 }]);

        await Poll.Until(() => _hub.Sent.Count == 2 ? "both" : null);
        _hub.Sent.Select(s => (s.Target, s.Method)).Should().BeEquivalentTo(new[] { ("all", "heartbeat"), ("group team:red-pomegranate", "team") });
    }

    /// <summary>The board pushes a snapshot; the sender sends it (before the board's next push, as at its pace).</summary>
    private async Task Push(long version)
    {
        var before = _hub.Boards.Count;
        await _observer.OnSnapshot(Snapshot(version, previous: version - 1));
        await Poll.Until(() => _hub.Boards.Count > before ? "sent" : null);
    }

    private static BoardSnapshot Snapshot(long version, long previous) => new()
    {
        Version = version,
        PreviousVersion = previous,
        AsOf = DateTimeOffset.UtcNow,
        Totals = ActivityTally.Zero,
        ByDomain = ImmutableDictionary<string, ActivityTally>.Empty,
        ByDistrict = ImmutableDictionary<string, ActivityTally>.Empty,
        Leaderboard = [],
        Recent = [],
        Trend = [],
    };

    /// <summary>Records every send; each stays unfinished until <see cref="FinishAll"/>.</summary>
    private sealed class StalledHub : IHubContext<BoardHub>
    {
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _finished;

        public StalledHub() => Clients = new StalledClients(this);

        public ConcurrentQueue<(string Target, string Method, object? Argument)> Sent { get; } = new();

        public IReadOnlyCollection<BoardSnapshot> Boards => [.. Sent.Where(s => s.Method == "board").Select(s => (BoardSnapshot)s.Argument!)];

        public int Finished => Volatile.Read(ref _finished);

        public IHubClients Clients { get; }

        public IGroupManager Groups => throw new NotSupportedException();

        public void FinishAll() => _finish.TrySetResult();

        private async Task Send(string target, string method, object? argument)
        {
            Sent.Enqueue((target, method, argument));
            await _finish.Task;
            Interlocked.Increment(ref _finished);
        }

        private sealed class StalledClients(StalledHub hub) : IHubClients
        {
            public IClientProxy All => new Proxy(hub, "all");

            public IClientProxy Group(string groupName) => new Proxy(hub, $"group {groupName}");

            public IClientProxy AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

            public IClientProxy Client(string connectionId) => throw new NotSupportedException();

            public IClientProxy Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();

            public IClientProxy GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

            public IClientProxy Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();

            public IClientProxy User(string userId) => throw new NotSupportedException();

            public IClientProxy Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
        }

        private sealed class Proxy(StalledHub hub, string target) : IClientProxy
        {
            public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default) =>
                hub.Send(target, method, args.FirstOrDefault());
        }
    }
}
