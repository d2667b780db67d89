using Microsoft.AspNetCore.Diagnostics;

namespace VanguardHub.Dashboard.Extensions;

/// <summary>
/// While a cluster notices that a node died, a call can still be routed to it and be rejected. That is not the
/// request's fault and not a bug: the answer is 503 with Retry-After, which a proxy retries for reads and a phone's
/// outbox resends (with the same activity id, so nothing counts twice).
/// </summary>
internal sealed class TransientFailures(IProblemDetailsService problems, ILogger<TransientFailures> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception))
        {
            return false;
        }

        logger.LogWarning("Answered 503: a node of the cluster was unavailable ({Reason})", exception.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Briefly unavailable",
                Detail = "A node of the service is being replaced; send the same request again in a moment.",
            },
        });
    }

    private static bool IsTransient(Exception? exception) => exception switch
    {
        null => false,
        OrleansMessageRejectionException or SiloUnavailableException or Orleans.Runtime.Messaging.ConnectionFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsTransient),
        _ => IsTransient(exception.InnerException),
    };
}
