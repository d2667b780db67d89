using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using VanguardHub.Contracts.Board;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Operations;

namespace VanguardHub.Dashboard.Wall;

/// <summary>
/// This host's ear on the city board and its sender to its own walls. The board's calls return at once: what they
/// bring goes into an inbox, and one loop sends it on. A send to every wall completes when the slowest wall has taken
/// it, so the loop does not wait for sends: each connection writes its messages in order on its own, a slow wall
/// falls behind on its own, and the others keep getting every snapshot as it comes. When the loop itself falls behind,
/// it sends only the newest snapshot of what piled up, numbered to follow the one this host sent before it. Walls that
/// asked for deltas get what changed since that one instead (<see cref="BoardDelta"/>).
/// </summary>
internal sealed partial class BoardPushObserver(
    IHubContext<BoardHub> hub, VanguardHubMetrics metrics, TimeProvider clock, ILogger<BoardPushObserver> logger) : IBoardObserver
{
    /// <summary>
    /// Sends still under way (because some wall has not taken them yet) before the loop waits for the oldest: a wall
    /// this far behind then holds up this host's next snapshot, which keeps what waits for slow walls bounded.
    /// </summary>
    internal const int MaxSendsInFlight = 64;

    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<Task> _inFlight = new();
    private readonly Lock _gate = new();
    private BoardSnapshot? _latest;
    private BoardSnapshot? _sent;

    /// <summary>The newest snapshot this host has, pushed or read: what its walls get once more when it stops.</summary>
    public BoardSnapshot? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>Keeps a snapshot (pushed, or read from the board), unless a newer one came meanwhile.</summary>
    public void Remember(BoardSnapshot snapshot)
    {
        lock (_gate)
        {
            if (_latest is null || _latest.Version < snapshot.Version)
            {
                _latest = snapshot;
            }
        }
    }

    public Task OnSnapshot(BoardSnapshot snapshot)
    {
        Remember(snapshot);
        _inbox.Writer.TryWrite(snapshot);
        return Task.CompletedTask;
    }

    public Task OnTeams(ImmutableArray<TeamStanding> teams)
    {
        _inbox.Writer.TryWrite(teams);
        return Task.CompletedTask;
    }

    public Task OnHeartbeat(BoardHeartbeat heartbeat)
    {
        _inbox.Writer.TryWrite(heartbeat);
        return Task.CompletedTask;
    }

    /// <summary>Sends what the board pushes to this host's connections until stopped.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var reader = _inbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                BoardSnapshot? snapshot = null;
                BoardHeartbeat? heartbeat = null;
                var teams = new Dictionary<string, TeamStanding>(StringComparer.Ordinal);
                while (reader.TryRead(out var message))
                {
                    switch (message)
                    {
                        case BoardSnapshot pushed when snapshot is null || pushed.Version > snapshot.Version:
                            snapshot = pushed;
                            break;
                        case ImmutableArray<TeamStanding> standings:
                            foreach (var standing in standings)
                            {
                                if (!teams.TryGetValue(standing.TeamId, out var held) || held.LogLength <= standing.LogLength)
                                {
                                    teams[standing.TeamId] = standing;
                                }
                            }

                            break;
                        case BoardHeartbeat beat:
                            heartbeat = beat;
                            break;
                    }
                }

                if (snapshot is not null && (_sent is null || snapshot.Version > _sent.Version))
                {
                    RecordFeedLatency(snapshot);
                    var numbered = Numbered(snapshot);
                    if (_sent is not null && BoardDelta.Between(_sent, numbered) is { } delta)
                    {
                        await Track(Task.WhenAll(
                            hub.Clients.Group(BoardHub.SnapshotGroup).SendAsync("board", numbered),
                            hub.Clients.Group(BoardHub.DeltaGroup).SendAsync("boardDelta", delta)));
                    }
                    else
                    {
                        await Track(hub.Clients.All.SendAsync("board", numbered));
                    }

                    _sent = snapshot;
                    metrics.SnapshotPushed();
                }
                else if (heartbeat is not null)
                {
                    await Track(hub.Clients.All.SendAsync("heartbeat", heartbeat));
                }

                foreach (var standing in teams.Values)
                {
                    await Track(hub.Clients.Group(BoardHub.TeamGroup(standing.TeamId)).SendAsync("team", standing));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>Sends the newest snapshot this host has to its walls, completing when they all have it.</summary>
    public async Task SendLastAsync(BoardSnapshot snapshot)
    {
        Remember(snapshot);
        await hub.Clients.All.SendAsync("board", Numbered(Latest!));
        metrics.SnapshotPushed();
    }

    /// <summary>A wall knows it missed a push when a snapshot does not follow the one it shows: this host's last.</summary>
    private BoardSnapshot Numbered(BoardSnapshot snapshot) =>
        _sent is { } sent && sent.Version < snapshot.Version && snapshot.PreviousVersion != sent.Version
            ? snapshot with { PreviousVersion = sent.Version }
            : snapshot;

    /// <summary>From each activity being recorded to this host sending the first snapshot whose feed shows it.</summary>
    private void RecordFeedLatency(BoardSnapshot snapshot)
    {
        if (_sent is null)
        {
            return; // the first snapshot after start: its feed is not news
        }

        var now = clock.GetUtcNow();
        foreach (var item in snapshot.Recent)
        {
            if (!_sent.Recent.Any(f => f.Activity.Id == item.Activity.Id))
            {
                metrics.ActivityPushed(now - item.Activity.RecordedAt);
            }
        }
    }

    private async ValueTask Track(Task send)
    {
        _inFlight.Enqueue(Observed(send));
        while (_inFlight.TryPeek(out var oldest) && (oldest.IsCompleted || _inFlight.Count > MaxSendsInFlight))
        {
            await _inFlight.Dequeue();
        }
    }

    private async Task Observed(Task send)
    {
        try
        {
            await send;
        }
        catch (Exception e)
        {
            LogSendFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push to this host's walls")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Keeps this host registered with the board. Observer registrations are not durable and lapse, so the service
/// renews well within their lifetime and re-registers by itself after the board or the cluster restarts.
/// </summary>
internal sealed partial class BoardPushService(
    IGrainFactory grains, BoardPushObserver observer, IHostApplicationLifetime lifetime, ILogger<BoardPushService> logger) : BackgroundService
{
    private readonly Guid _hostId = Guid.NewGuid();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the web server closes its connections: the walls get the figures as of the very end.
        lifetime.ApplicationStopping.Register(PushLastSnapshot);
        return base.StartAsync(cancellationToken);
    }

    private void PushLastSnapshot()
    {
        try
        {
            // The latest snapshot this host has (at most one push interval old) goes out at once; only a host that
            // never received one asks the board, which may be busy shutting down itself. A send completes once the
            // message is handed to each connection, and the server closes its connections as it stops without waiting
            // for what they still carry: they get a moment to carry it to the walls first.
            var last = Task.Run(async () =>
            {
                await observer.SendLastAsync(observer.Latest ?? await grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot());
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            });
            if (last.Wait(TimeSpan.FromSeconds(3)))
            {
                LogLastSnapshot(logger);
            }
        }
        catch (Exception e)
        {
            LogLastSnapshotFailed(logger, e);
        }
    }

    /// <summary>Set once this host is registered with the board; the readiness check reads it.</summary>
    public bool Registered { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registering activates the board, whose first pull activates every team and enterprise (over a thousand grains
        // and their storage reads). It waits until the web server listens, so that pages, sign-in and the health check
        // are served without sharing the start with that pull; a wall that connects meanwhile asks the board itself.
        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }

        var sending = observer.RunAsync(stoppingToken);
        var reference = grains.CreateObjectReference<IBoardObserver>(observer);
        var board = grains.GetGrain<ICityBoardGrain>(CityBoard.Key);
        var renewEvery = CityBoard.SubscriptionLifetime / 4;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await board.Subscribe(_hostId, reference);
                Registered = true;
                observer.Remember(await board.GetSnapshot());
                await Task.Delay(renewEvery, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Registered = false;
                LogSubscribeFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }

        try
        {
            await board.Unsubscribe(_hostId).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        catch (Exception)
        {
            // Shutting down; the registration lapses by itself.
        }

        grains.DeleteObjectReference<IBoardObserver>(reference);
        await sending;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: pushed the last snapshot to this host's walls")]
    private static partial void LogLastSnapshot(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: could not push a last snapshot")]
    private static partial void LogLastSnapshotFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register with the city board; retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}

internal static class WallExtensions
{
    public static IHostApplicationBuilder AddWallPush(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR().AddJsonProtocol(options =>
        {
            options.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            // Chinese text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6): team names and feed titles
            // are much of what every wall parses on every push. Characters that matter to HTML are still escaped.
            options.PayloadSerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
        });
        builder.Services.AddSingleton<BoardPushObserver>();
        builder.Services.AddSingleton<BoardPushService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BoardPushService>());
        return builder;
    }

    public static WebApplication MapWall(this WebApplication app)
    {
        app.MapHub<BoardHub>(BoardHub.Path).RequireAuthorization(Security.Policies.Board);
        return app;
    }
}
