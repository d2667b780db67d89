using Microsoft.Extensions.Logging;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Teams;

namespace VanguardHub.Silo.Hosting;

/// <summary>
/// Soon after the silo is active, brings every team of the roster into memory, in the background. A team tells its
/// partner enterprises of its activities after acknowledging them; one that stopped before it had told them all
/// carries on when it is activated, and this way that happens at start-up, not at its next activity. It waits a
/// moment and wakes one team at a time, so it does not compete with the first requests for the machine.
/// </summary>
internal sealed partial class TeamWakeUp(IGrainFactory grains, Roster roster, ILogger<TeamWakeUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TeamWakeUp), ServiceLifecycleStage.Active, OnActive, OnStop);

    private Task OnActive(CancellationToken cancellationToken)
    {
        _ = WakeAll(_stopping.Token);
        return Task.CompletedTask;
    }

    private Task OnStop(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task WakeAll(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Pause, stopping);
            foreach (var team in roster.Teams)
            {
                stopping.ThrowIfCancellationRequested();
                try
                {
                    await grains.GetGrain<IServiceTeamGrain>(team.Id).GetStanding();
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    // This team still carries on when anything else activates it (its next activity, the board's
                    // refresh); the teams after it are woken all the same.
                    LogWakeUpFailed(logger, team.Id, e);
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The silo is stopping: whatever the last call met, nothing is left to wake.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not bring team {TeamId} into memory at start-up")]
    private static partial void LogWakeUpFailed(ILogger logger, string teamId, Exception exception);
}
