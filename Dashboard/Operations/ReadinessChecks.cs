using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Board;
using VanguardHub.Dashboard.Wall;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Operations;

/// <summary>
/// The silo answers grain calls: the city board says which snapshot it holds. It answers while it still gathers the
/// teams' figures on a fresh start (a wall's first snapshot waits for those, not the service).
/// </summary>
internal sealed class SiloReadiness(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetVersion().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return HealthCheckResult.Healthy($"board version {version}");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("the silo does not answer", e);
        }
    }
}

/// <summary>The store file is there and answers a query.</summary>
internal sealed class StorageReadiness(IOptions<StorageOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (options.Value.IsPostgreSql)
            {
                await PostgreSqlStore.CheckAsync(options.Value, cancellationToken);
            }
            else
            {
                await SqliteStore.CheckAsync(options.Value, cancellationToken);
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("the store does not answer", e);
        }
    }
}

/// <summary>This host is registered with the board, so its walls get pushes.</summary>
internal sealed class PushReadiness(BoardPushService push) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(push.Registered ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not registered with the board"));
}

/// <summary>On a first start, the first admin account has been made (sign-ins wait for it until then).</summary>
internal sealed class AccountsReadiness(Security.FirstRunAdmin firstRun) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(firstRun.Done.IsCompletedSuccessfully ? HealthCheckResult.Healthy()
            : firstRun.Done.IsFaulted ? HealthCheckResult.Unhealthy("the first admin account could not be made", firstRun.Done.Exception)
            : HealthCheckResult.Unhealthy("making the first admin account"));
}
