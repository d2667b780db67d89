using System.Collections.Immutable;
using Microsoft.AspNetCore.Mvc;
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

    /// <summary>Most activities one batch may carry: a phone's outbox after a day without signal, a back-filled week.</summary>
    public const int MaxBatch = 100;

    /// <summary>A batch's body: room for <see cref="MaxBatch"/> activities with long descriptions.</summary>
    public const int MaxBatchBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/activities").WithTags("Activities");
        group.MapPost("/", Log).RequireAuthorization(Policies.Write).RequireWriteAllowance();
        group.MapPost("/batch", LogMany).RequireAuthorization(Policies.Write);
        group.MapGet("/{activityId}", Get).RequireAuthorization(Policies.Read);
        group.MapPut("/{activityId}", Revise).RequireAuthorization(Policies.Write).RequireWriteAllowance();
        group.MapDelete("/{activityId}", Void).RequireAuthorization(Policies.Write).RequireWriteAllowance();
        group.MapGet("/{activityId}/revisions", History).RequireAuthorization(Policies.Read);
        group.MapPost("/{activityId}/verify", VerifyOne).RequireAuthorization(Policies.Admin);
        group.MapPost("/verify", VerifyMany).RequireAuthorization(Policies.Admin);
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

        var errors = ActivityValidation.Validate(submission, roster, clock.GetUtcNow(), out var validated);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var record = validated! with { RecordedBy = user.Actor() };

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await grains.Cached<IServiceTeamGrain>(record.TeamId).LogActivity(record);
        metrics.ActivityLogged(MetricResult(result.Outcome), System.Diagnostics.Stopwatch.GetElapsedTime(started));
        var location = $"/api/activities/{record.Id}";
        return result.Outcome switch
        {
            LogOutcome.Created => TypedResults.Created(location, result.Activity),
            LogOutcome.AlreadyStored => Replayed(location, result.Activity!),
            _ => Problems.Status(StatusCodes.Status409Conflict, "id", "Id already used",
                "Another activity was already logged with this id; a resend must carry exactly the same content."),
        };
    }

    /// <summary>
    /// What a batch answers for each of its activities, in the order they were sent; <paramref name="Sequence"/> is the
    /// stored activity's position in its team's log (none for a 409).
    /// </summary>
    internal sealed record BatchItem(Guid Id, int Status, string Location, long? Sequence, ProblemDetails? Problem);

    internal sealed record BatchAnswer(ImmutableArray<BatchItem> Results);

    /// <summary>
    /// Many activities in one request, as many round trips saved for a phone on a weak network. All are checked before
    /// any is stored: one that is wrong, or for another team, refuses the whole batch (naming it by its index) and
    /// stores nothing. Otherwise each is stored as POST /api/activities would store it, and the answer says, for each,
    /// what that would have answered: 201 stored now, 200 stored before (a resend), 409 id already used for something else.
    /// </summary>
    private static async Task<IResult> LogMany(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, VanguardHubMetrics metrics, WriteAllowance allowance,
        CancellationToken cancellationToken)
    {
        var answer = await AnswerMany(request, roster, grains, clock, metrics, allowance, cancellationToken);
        if (answer is IStatusCodeHttpResult { StatusCode: >= 400 and not StatusCodes.Status429TooManyRequests })
        {
            metrics.ActivityLogged("invalid");
        }

        return answer;
    }

    private static async Task<IResult> AnswerMany(
        HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, VanguardHubMetrics metrics, WriteAllowance allowance,
        CancellationToken cancellationToken)
    {
        var (batch, problem) = await JsonBody.ReadAsync<ActivityBatchSubmission>(request, MaxBatchBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (batch!.Activities is not { Count: > 0 and <= MaxBatch } submissions)
        {
            return Problems.Invalid("activities", $"A list of 1 to {MaxBatch} activities is required; send more in further batches.");
        }

        var user = request.HttpContext.User;
        for (var i = 0; i < submissions.Count; i++)
        {
            if (submissions[i] is { } submission && !user.MayWriteFor(submission.TeamId))
            {
                return Problems.Status(StatusCodes.Status403Forbidden, $"activities[{i}].teamId", "Not your team", "A team leader logs activities for their own team only.");
            }
        }

        var errors = new Dictionary<string, string[]>();
        var records = new ActivityRecord[submissions.Count];
        var now = clock.GetUtcNow();
        var actor = user.Actor();
        for (var i = 0; i < submissions.Count; i++)
        {
            if (submissions[i] is not { } submission)
            {
                errors[$"activities[{i}]"] = ["An activity object is required."];
                continue;
            }

            var found = ActivityValidation.Validate(submission, roster, now, out var validated);
            foreach (var (field, messages) in found)
            {
                errors[$"activities[{i}].{field}"] = messages;
            }

            if (validated is not null)
            {
                records[i] = validated with { RecordedBy = actor };
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (allowance.Take(request.HttpContext, records.Length) is { } refused)
        {
            return refused;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = new LogResult[records.Length];
        await Task.WhenAll(records.Select((record, i) => (record, i)).GroupBy(x => x.record.TeamId).Select(async team =>
        {
            var answers = await grains.Cached<IServiceTeamGrain>(team.Key).LogActivities([.. team.Select(x => x.record)]);
            var k = 0;
            foreach (var (_, i) in team)
            {
                results[i] = answers[k++];
            }
        }));

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var items = ImmutableArray.CreateBuilder<BatchItem>(records.Length);
        for (var i = 0; i < records.Length; i++)
        {
            var id = records[i].Id;
            metrics.ActivityLogged(MetricResult(results[i].Outcome), elapsed);
            items.Add(new BatchItem(id, results[i].Outcome switch
            {
                LogOutcome.Created => StatusCodes.Status201Created,
                LogOutcome.AlreadyStored => StatusCodes.Status200OK,
                _ => StatusCodes.Status409Conflict,
            }, $"/api/activities/{id}", results[i].Outcome == LogOutcome.IdConflict ? null : results[i].Activity?.Sequence,
                results[i].Outcome == LogOutcome.IdConflict ? IdConflict(i) : null));
        }

        return TypedResults.Ok(new BatchAnswer(items.MoveToImmutable()));
    }

    /// <summary>The "result" label of the activities-logged metric.</summary>
    private static string MetricResult(LogOutcome outcome) => outcome switch
    {
        LogOutcome.Created => "created",
        LogOutcome.AlreadyStored => "already_stored",
        _ => "id_conflict",
    };

    private static ProblemDetails IdConflict(int index) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "Id already used",
        Detail = "Another activity was already logged with this id; a resend must carry exactly the same content.",
        Extensions = { ["field"] = $"activities[{index}].id" },
    };

    private static async Task<IResult> Get(string activityId, IGrainFactory grains)
    {
        if (!Guid.TryParse(activityId, out var id))
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var location = await grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(id);
        var revisions = location is null ? [] : await grains.GetGrain<IServiceTeamGrain>(location.TeamId).GetRevisions(id);
        return revisions.IsDefaultOrEmpty ? Problems.NotFound("activityId", "No activity with this id is stored.") : TypedResults.Ok(revisions[^1]);
    }

    /// <summary>
    /// A correction: the whole activity again, as for POST, stored as its next revision. The team cannot change; the
    /// date may move within its month. A resend of the same correction stores nothing new.
    /// </summary>
    private static async Task<IResult> Revise(
        string activityId, HttpRequest request, Roster roster, IGrainFactory grains, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(activityId, out var id) || id == Guid.Empty)
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var (submission, problem) = await JsonBody.ReadAsync<ActivitySubmission>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (submission!.Id is { } bodyId && bodyId != id)
        {
            return Problems.Invalid("id", "The body's id must be the one in the address (or left out).");
        }

        submission.Id = id;
        var owner = await OwnerOf(id, request.HttpContext.User, grains);
        if (owner.Problem is not null)
        {
            return owner.Problem;
        }

        if (submission.TeamId is not null && submission.TeamId != owner.TeamId)
        {
            return Problems.Invalid("teamId", "A correction cannot move an activity to another team; void it and log it for that team.");
        }

        var errors = ActivityValidation.Validate(submission, roster, clock.GetUtcNow(), out var validated);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var result = await grains.GetGrain<IServiceTeamGrain>(owner.TeamId!).Correct(new ActivityCorrection
        {
            ActivityId = id,
            Replacement = validated,
            Actor = request.HttpContext.User.Actor(),
        });
        return Answer(result);
    }

    private sealed record VoidRequest(string? Reason);

    /// <summary>Voids an activity: it stops counting everywhere; the log keeps it, with who, when and why.</summary>
    private static async Task<IResult> Void(string activityId, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(activityId, out var id) || id == Guid.Empty)
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var (body, problem) = await JsonBody.ReadAsync<VoidRequest>(request, 8 * 1024, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body!.Reason) || body.Reason.Length > ActivityValidation.MaxPlace || ActivityValidation.HasUnsafeCharacters(body.Reason, allowLineBreaks: false))
        {
            return Problems.Invalid("reason", $"Say why, in 1 to {ActivityValidation.MaxPlace} characters.");
        }

        var owner = await OwnerOf(id, request.HttpContext.User, grains);
        if (owner.Problem is not null)
        {
            return owner.Problem;
        }

        var result = await grains.GetGrain<IServiceTeamGrain>(owner.TeamId!).Correct(new ActivityCorrection
        {
            ActivityId = id,
            VoidReason = body.Reason.Trim(),
            Actor = request.HttpContext.User.Actor(),
        });
        return Answer(result);
    }

    /// <summary>Most activities one bulk verification may name.</summary>
    public const int MaxVerifyBatch = 500;

    private sealed record VerifyRequest(List<Guid>? Ids);

    private static async Task<IResult> VerifyOne(string activityId, HttpContext context, IGrainFactory grains, AuditTrail audit)
    {
        if (!Guid.TryParse(activityId, out var id) || id == Guid.Empty)
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var (_, result) = await Verify(id, context.User.Actor(), grains);
        if (result.Outcome == CorrectionOutcome.Verified)
        {
            await audit.Record(context.User, "activities.verify", $"activity {id}");
        }

        return Answer(result);
    }

    /// <summary>Verifies many at once, e.g. a week's entries checked against the paper records.</summary>
    private static async Task<IResult> VerifyMany(HttpContext context, IGrainFactory grains, AuditTrail audit, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<VerifyRequest>(context.Request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Ids is not { Count: > 0 and <= MaxVerifyBatch } ids || ids.Contains(Guid.Empty))
        {
            return Problems.Invalid("ids", $"1 to {MaxVerifyBatch} activity ids.");
        }

        var actor = context.User.Actor();
        var results = await Task.WhenAll(ids.Distinct().Select(id => Verify(id, actor, grains)));
        await audit.Record(context.User, "activities.verify", $"{results.Count(r => r.Result.Outcome == CorrectionOutcome.Verified)} activities");
        return TypedResults.Ok(new
        {
            verified = results.Where(r => r.Result.Outcome == CorrectionOutcome.Verified).Select(r => r.Id),
            alreadyVerified = results.Where(r => r.Result.Outcome == CorrectionOutcome.Unchanged).Select(r => r.Id),
            voided = results.Where(r => r.Result.Outcome == CorrectionOutcome.AlreadyVoided).Select(r => r.Id),
            notFound = results.Where(r => r.Result.Outcome == CorrectionOutcome.NotFound).Select(r => r.Id),
        });
    }

    private static async Task<(Guid Id, CorrectionResult Result)> Verify(Guid id, string actor, IGrainFactory grains)
    {
        var location = await grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(id);
        if (location is null)
        {
            return (id, new CorrectionResult { Outcome = CorrectionOutcome.NotFound });
        }

        var result = await grains.GetGrain<IServiceTeamGrain>(location.TeamId).Correct(new ActivityCorrection { ActivityId = id, Verify = true, Actor = actor });

        // A voided activity has nothing left to verify.
        return (id, result is { Outcome: CorrectionOutcome.Unchanged, Activity.Voided: true } ? result with { Outcome = CorrectionOutcome.AlreadyVoided } : result);
    }

    private static async Task<IResult> History(string activityId, IGrainFactory grains)
    {
        if (!Guid.TryParse(activityId, out var id))
        {
            return Problems.Invalid("activityId", "The activity id is a GUID.");
        }

        var location = await grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(id);
        var revisions = location is null ? [] : await grains.GetGrain<IServiceTeamGrain>(location.TeamId).GetRevisions(id);
        if (revisions.IsDefaultOrEmpty)
        {
            return Problems.NotFound("activityId", "No activity with this id is stored.");
        }

        return TypedResults.Ok(revisions.Select((revision, i) => new
        {
            revision.Revision,
            at = revision.RevisedAt ?? revision.RecordedAt,
            by = revision.RecordedBy,
            revision.Voided,
            revision.VoidReason,
            changed = i == 0 ? [] : Changes(revisions[i - 1], revision),
            activity = revision,
        }));
    }

    /// <summary>The fields that differ between two revisions, by their API names.</summary>
    internal static string[] Changes(ActivityRecord before, ActivityRecord after)
    {
        var changed = new List<string>();
        void Compare(string field, object? a, object? b)
        {
            if (!Equals(a, b))
            {
                changed.Add(field);
            }
        }

        Compare("occurredAt", before.OccurredAt, after.OccurredAt);
        Compare("domain", before.Domain, after.Domain);
        Compare("district", before.District, after.District);
        Compare("place", before.Place, after.Place);
        Compare("title", before.Title, after.Title);
        Compare("description", before.Description, after.Description);
        Compare("participants", before.Participants, after.Participants);
        Compare("outcomes", before.Outcomes, after.Outcomes);
        if (!before.Partners.Order().SequenceEqual(after.Partners.Order()))
        {
            changed.Add("partners");
        }

        Compare("voided", before.Voided, after.Voided);
        Compare("verified", before.Verified, after.Verified);
        return [.. changed];
    }

    /// <summary>The activity's team, when it exists and the caller may correct that team's activities.</summary>
    private static async Task<(string? TeamId, IResult? Problem)> OwnerOf(Guid id, System.Security.Claims.ClaimsPrincipal user, IGrainFactory grains)
    {
        var location = await grains.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(id);
        if (location is null)
        {
            return (null, Problems.NotFound("activityId", "No activity with this id is stored."));
        }

        return user.MayWriteFor(location.TeamId)
            ? (location.TeamId, null)
            : (null, Problems.Status(StatusCodes.Status403Forbidden, "teamId", "Not your team", "A team leader corrects their own team's activities only."));
    }

    private static IResult Answer(CorrectionResult result) => result.Outcome switch
    {
        CorrectionOutcome.Revised or CorrectionOutcome.Voided or CorrectionOutcome.Verified or CorrectionOutcome.Unchanged => TypedResults.Ok(result.Activity),
        CorrectionOutcome.AlreadyVoided => Problems.Status(StatusCodes.Status409Conflict, "activityId", "Voided", "This activity was voided; log a new one instead."),
        CorrectionOutcome.MonthChanged => Problems.Invalid("occurredAt", "A correction keeps the activity in its month; void it and log it anew for another month."),
        _ => Problems.NotFound("activityId", "No activity with this id is stored."),
    };

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
