using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Activities;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Operations;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

internal static class ActivitiesApi
{
    /// <summary>An activity is a few hundred bytes; anything near this is not one.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/activities").WithTags("Activities");
        group.MapPost("/", Log).RequireAuthorization(Policies.Write).RequireRateLimiting(RateLimits.Writes);
        group.MapGet("/{activityId}", Get).RequireAuthorization(Policies.Read);
        return app;
    }

    private static async Task<IResult> Log(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, VanguardHubMetrics metrics,
        CancellationToken cancellationToken)
    {
        var answer = await Answer(request, roster, grains, clock, metrics, cancellationToken);
        if (answer is not IStatusCodeHttpResult { StatusCode: < 300 or 409 })
        {
            metrics.ActivityLogged("invalid");
        }

        return answer;
    }

    private static async Task<IResult> Answer(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, VanguardHubMetrics metrics,
        CancellationToken cancellationToken)
    {
        var (submission, problem) = await JsonBody.ReadAsync<ActivitySubmission>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        // A leader logs for their own team only; saying so before validating tells them nothing about other teams.
        var user = request.HttpContext.User;
        if (!user.MayWriteFor(submission!.TeamId))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "teamId", "Not your team", "A team leader logs activities for their own team only.");
        }

        if (submission is null)
        {
            return Problems.Invalid("body", "An activity object is required.");
        }

        var errors = ActivityValidation.Validate(submission, roster, clock.GetUtcNow(), out var validated);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var record = validated! with { RecordedBy = user.Actor() };

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await grains.GetGrain<IServiceTeamGrain>(record.TeamId).LogActivity(record);
        metrics.ActivityLogged(result.Outcome switch
        {
            LogOutcome.Created => "created",
            LogOutcome.AlreadyStored => "already_stored",
            _ => "id_conflict",
        }, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        var location = $"/api/activities/{record.Id}";
        return result.Outcome switch
        {
            LogOutcome.Created => TypedResults.Created(location, result.Activity),
            LogOutcome.AlreadyStored => Replayed(location, result.Activity!),
            _ => Problems.Status(StatusCodes.Status409Conflict, "id", "Id already used",
                "Another activity was already logged with this id; a resend must carry exactly the same content."),
        };
    }

    private static async Task<IResult> Get(string activityId, IGrainFactory grains)
    {
        if (!Guid.TryParse(activityId, out var id))
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var claim = await grains.GetGrain<IActivityGrain>(id).GetClaim();
        var stored = claim is null ? null : await grains.GetGrain<IActivityLogChunkGrain>(claim.ChunkKey).Find(id);
        return stored is null ? Problems.NotFound("activityId", "No activity with this id is stored.") : TypedResults.Ok(stored);
    }

    /// <summary>The same activity again: it counted once, and the answer says where it is.</summary>
    private static IResult Replayed(string location, ActivityRecord activity) =>
        new ReplayResult(location, activity);

    private sealed class ReplayResult(string location, ActivityRecord activity) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusCodes.Status200OK;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return TypedResults.Ok(activity).ExecuteAsync(httpContext);
        }
    }
}
