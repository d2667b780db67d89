using System.Collections.Immutable;

namespace VanguardHub.Contracts.Activities;

/// <summary>
/// Where an activity id belongs: which team claimed it, with what content, and in which log chunk it is kept.
/// Keyed by the activity's id, so a resend finds its first attempt without scanning any log.
/// </summary>
[Alias("vh.IActivityGrain")]
public interface IActivityGrain : IGrainWithGuidKey
{
    /// <summary>Stores <paramref name="claim"/> unless the id is already claimed; returns null when stored now, else the claim that holds.</summary>
    [Alias("Claim")]
    Task<ActivityClaim?> Claim(ActivityClaim claim);

    /// <summary>
    /// Overwrites the claim (same team, same original content): to take over one whose first attempt never reached the
    /// log, or to point it at the activity's latest revision after a correction.
    /// </summary>
    [Alias("Replace")]
    Task Replace(ActivityClaim claim);

    [Alias("GetClaim")]
    Task<ActivityClaim?> GetClaim();
}

[GenerateSerializer, Immutable, Alias("vh.ActivityClaim")]
public sealed record ActivityClaim
{
    [Id(0)] public required string TeamId { get; init; }
    [Id(1)] public required string Fingerprint { get; init; }
    [Id(2)] public required string ChunkKey { get; init; }
    /// <summary>The record as it was about to be appended, so an interrupted append can be completed.</summary>
    [Id(3)] public required ActivityRecord Activity { get; init; }
}

/// <summary>
/// One bounded piece of a team's activity log: the activities of one team, in one Beijing-time month,
/// up to a fixed number of them. Appending rewrites this chunk only, never the rest of the history.
/// </summary>
[Alias("vh.IActivityLogChunkGrain")]
public interface IActivityLogChunkGrain : IGrainWithStringKey
{
    /// <summary>Appends, in one write, those activities whose ids are not in the chunk yet.</summary>
    [Alias("Append")]
    Task Append(ImmutableArray<ActivityRecord> activities);

    [Alias("GetActivities"), Orleans.Concurrency.ReadOnly]
    Task<ImmutableArray<ActivityRecord>> GetActivities();

    [Alias("Find"), Orleans.Concurrency.ReadOnly]
    Task<ActivityRecord?> Find(Guid activityId);
}

public static class ActivityLogKeys
{
    /// <summary>"{teamId}/{yyyyMM}/{index}"; team ids are ASCII and contain no '/'.</summary>
    public static string Chunk(string teamId, string monthKey, int index) => $"{teamId}/{monthKey}/{index}";
}
