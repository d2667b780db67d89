using Microsoft.AspNetCore.SignalR;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Operations;

namespace VanguardHub.Dashboard.Wall;

/// <summary>
/// The walls' live channel. Server to client: "board" (a full snapshot, the shape of GET /api/board), or, for a
/// connection opened with <c>?deltas=3</c>, "boardDelta" (<see cref="BoardDelta"/>: what changed since an earlier
/// snapshot) with "board" only when a delta cannot say it; "heartbeat" (the shown version is still current); and, for
/// clients watching a team, "team" (that team's new standing).
/// </summary>
internal sealed class BoardHub(IGrainFactory grains, Roster roster, VanguardHubMetrics metrics, Security.HubSessions sessions) : Hub
{
    public const string Path = "/hubs/board";

    /// <summary>Connections that take whole snapshots.</summary>
    public const string SnapshotGroup = "board:snapshots";

    /// <summary>The delta format this host sends: the value of the <c>deltas</c> query a page asks for it with.</summary>
    public const string DeltaFormat = "3";

    /// <summary>Connections that asked for deltas.</summary>
    public const string DeltaGroup = "board:deltas";

    public override async Task OnConnectedAsync()
    {
        metrics.ClientConnected();
        sessions.Opened(Context);
        // Pages that ask for an earlier delta format ("1": tallies whole; "2": the race's order always as team ids), such
        // as a wall left open across an upgrade,
        // get whole snapshots, which every page reads, rather than deltas they would misread.
        var deltas = Context.GetHttpContext()?.Request.Query["deltas"] is [var value] && value == DeltaFormat;
        await Groups.AddToGroupAsync(Context.ConnectionId, deltas ? DeltaGroup : SnapshotGroup);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.ClientDisconnected();
        sessions.Closed(Context);
        return base.OnDisconnectedAsync(exception);
    }

    public static string TeamGroup(string teamId) => $"team:{teamId}";

    public Task<BoardSnapshot> GetSnapshot() => grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();

    /// <summary>Starts sending this connection the team's updates; answers with its current summary. Not for wall displays.</summary>
    [Microsoft.AspNetCore.Authorization.Authorize(Policy = Security.Policies.Read)]
    public async Task<TeamSummary> WatchTeam(string teamId)
    {
        if (roster.FindTeam(teamId) is null)
        {
            throw new HubException($"There is no team \"{(teamId.Length > 64 ? teamId[..64] : teamId)}\".");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, TeamGroup(teamId));
        return await grains.GetGrain<IServiceTeamGrain>(teamId).GetSummary();
    }

    [Microsoft.AspNetCore.Authorization.Authorize(Policy = Security.Policies.Read)]
    public Task UnwatchTeam(string teamId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, TeamGroup(teamId));
}
