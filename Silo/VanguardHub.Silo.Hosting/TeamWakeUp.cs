using Microsoft.Extensions.Logging;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Teams;

namespace VanguardHub.Silo.Hosting;

/// <summary>
/// Once the silo is active, brings every team of the roster into memory, in the background. A team tells its partner
/// enterprises of its activities after acknowledging them; one that stopped before it had told them all carries on
/// when it is activated, and this way that happens at start-up, not at its next activity.
/// </summary>
internal sealed partial class TeamWakeUp(IGrainFactory grains, Roster roster, ILogger<TeamWakeUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TeamWakeUp), ServiceLifecycleStage.Active, OnActive, _ => Task.CompletedTask);

    private Task OnActive(CancellationToken cancellationToken)
    {
        _ = WakeAll();
        return Task.CompletedTask;
    }

    private async Task WakeAll()
    {
        try
        {
            await Task.WhenAll(roster.Teams.Select(t => grains.GetGrain<IServiceTeamGrain>(t.Id).GetStanding()));
        }
        catch (Exception e)
        {
            // Each team still carries on when anything else activates it (its next activity, the board's refresh).
            LogWakeUpFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not bring every team into memory at start-up")]
    private static partial void LogWakeUpFailed(ILogger logger, Exception exception);
}
