using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VanguardHub.Contracts.Activities;

namespace VanguardHub.Silo.Hosting;

/// <summary>
/// Loads the activity index as soon as the host serves requests, in the background: with a long history that takes a
/// moment, better spent before the first activity is logged than during it. Reads never wait for it.
/// </summary>
internal sealed partial class ActivityIndexWarmUp(IHostApplicationLifetime lifetime, IGrainFactory grains, ILogger<ActivityIndexWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = WarmUp());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WarmUp()
    {
        try
        {
            await grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(Guid.Empty);
        }
        catch (Exception e)
        {
            // The first write or lookup loads it then.
            LogWarmUpFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the activity index ahead of the first write")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
