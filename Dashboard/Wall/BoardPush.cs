using System.Collections.Immutable;
using Microsoft.AspNetCore.SignalR;
using VanguardHub.Contracts.Board;
using VanguardHub.Dashboard.Operations;

namespace VanguardHub.Dashboard.Wall;

/// <summary>This host's ear on the city board: what the board pushes goes out to this host's own connections.</summary>
internal sealed class BoardPushObserver(IHubContext<BoardHub> hub, VanguardHubMetrics metrics, TimeProvider clock) : IBoardObserver
{
    /// <summary>The latest snapshot this host pushed: what its walls get once more when it stops.</summary>
    public BoardSnapshot? Latest { get; private set; }

    /// <summary>Keeps a snapshot read from the board (not pushed), unless a newer one was pushed meanwhile.</summary>
    public void Remember(BoardSnapshot snapshot)
    {
        if (Latest is null || Latest.Version < snapshot.Version)
        {
            Latest = snapshot;
        }
    }

    public async Task OnSnapshot(BoardSnapshot snapshot)
    {
        Latest = snapshot;
        await hub.Clients.All.SendAsync("board", snapshot);
        metrics.SnapshotPushed();
    }

    public async Task OnActivities(ImmutableArray<FeedItem> activities)
    {
        foreach (var item in activities)
        {
            await hub.Clients.All.SendAsync("activity", item);
            metrics.ActivityPushed(clock.GetUtcNow() - item.Activity.RecordedAt);
        }
    }

    public async Task OnTeams(ImmutableArray<TeamStanding> teams)
    {
        foreach (var standing in teams)
        {
            await hub.Clients.Group(BoardHub.TeamGroup(standing.TeamId)).SendAsync("team", standing);
        }
    }

    public Task OnHeartbeat(BoardHeartbeat heartbeat) => hub.Clients.All.SendAsync("heartbeat", heartbeat);
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
            // never received one asks the board, which may be busy shutting down itself.
            var last = Task.Run(async () => await observer.OnSnapshot(
                observer.Latest ?? await grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot()));
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
            options.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
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
