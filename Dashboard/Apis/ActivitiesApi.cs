using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Activities;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Operations;

namespace VanguardHub.Dashboard.Apis;

internal static class ActivitiesApi
{
    /// <summary>An activity is a few hundred bytes; anything near this is not one.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/activities").WithTags("Activities");
        group.MapPost("/", Log);
        group.MapGet("/{activityId}", Get);
        return app;
    }

    private static async Task<IResult> Log(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json, VanguardHubMetrics metrics,
        CancellationToken cancellationToken)
    {
        var answer = await Answer(request, roster, grains, clock, json, metrics, cancellationToken);
        if (answer is not IStatusCodeHttpResult { StatusCode: < 300 or 409 })
        {
            metrics.ActivityLogged("invalid");
        }

        return answer;
    }

    private static async Task<IResult> Answer(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json, VanguardHubMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "body", "Unsupported media type", "Send the activity as application/json.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var body = await ReadLimited(request.Body, cancellationToken);
        if (body is null)
        {
            return TooLarge();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return Problems.Invalid("body", "The body is not valid JSON.");
        }

        ActivitySubmission? submission;
        using (document)
        {
            try
            {
                submission = document.Deserialize<ActivitySubmission>(json.Value.SerializerOptions);
            }
            catch (JsonException e)
            {
                return Problems.Invalid(FieldOf(e.Path), "This value has the wrong type or is out of range.");
            }
        }

        if (submission is null)
        {
            return Problems.Invalid("body", "An activity object is required.");
        }

        var errors = ActivityValidation.Validate(submission, roster, clock.GetUtcNow(), out var record);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await grains.GetGrain<IServiceTeamGrain>(record!.TeamId).LogActivity(record);
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

    private static IResult TooLarge() =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "body", "Body too large", $"An activity can be at most {MaxBodyBytes / 1024} KiB.");

    /// <summary>Reads at most <see cref="MaxBodyBytes"/>; null when the body is longer (whatever Content-Length said).</summary>
    private static async Task<byte[]?> ReadLimited(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>"$.outcomes.residentsServed" → "outcomes.residentsServed"; the document itself → "body".</summary>
    internal static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath;

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
