using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace VanguardHub.Dashboard.Security;

/// <summary>
/// The write rate limit: one token bucket per person or token, shared by every write endpoint and counted per activity,
/// so that a batch of forty costs what forty single writes cost.
/// </summary>
internal sealed class WriteAllowance : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public WriteAllowance(IOptions<SecurityOptions> options)
    {
        var settings = options.Value;
        Burst = Math.Max(1, settings.WriteBurst);
        var perSecond = Math.Max(1, settings.WritesPerSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(actor => RateLimitPartition.GetTokenBucketLimiter(actor, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        }));
    }

    /// <summary>Writes one person or token may send at once.</summary>
    public int Burst { get; }

    /// <summary>Takes <paramref name="writes"/> from the caller's allowance: null when granted, otherwise a 429 answer saying when to come back.</summary>
    public IResult? Take(HttpContext context, int writes)
    {
        // A batch larger than the whole bucket could never be granted; it costs a full bucket instead.
        using var lease = _limiter.AttemptAcquire(context.User.Actor(), Math.Clamp(writes, 1, Burst));
        if (lease.IsAcquired)
        {
            return null;
        }

        context.Response.SetRetryAfter(lease);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: "Slow down and try again shortly: this account or token has used its writes for now.");
    }

    public void Dispose() => _limiter.Dispose();
}

internal static class WriteAllowanceExtensions
{
    /// <summary>Each request to this endpoint costs one write of the caller's allowance.</summary>
    public static RouteHandlerBuilder RequireWriteAllowance(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<WriteAllowance>().Take(context.HttpContext, 1) ?? await next(context));
}
