using System.Collections.Immutable;
using System.Globalization;

namespace VanguardHub.Contracts.Activities;

/// <summary>
/// Every activity id in the store and where it belongs (team, month, content), held in memory and persisted as an
/// append-only series of pages. A resend finds its first attempt here without scanning any log, and ids from many
/// teams are claimed together: one page write covers every claim that arrived while the previous one was stored.
/// </summary>
[Alias("vh.IActivityIndexGrain")]
public interface IActivityIndexGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Claims each id that nobody holds; answers, in order, null for each claimed now (durably) and the holding
    /// location for the others. The same id twice in one call: the first claims it, the second is told it is held.
    /// </summary>
    [Alias("Claim"), Orleans.Concurrency.AlwaysInterleave]
    Task<ImmutableArray<ActivityLocation?>> Claim(ImmutableArray<ActivityLocation> locations);

    [Alias("Find"), Orleans.Concurrency.AlwaysInterleave]
    Task<ActivityLocation?> Find(Guid activityId);
}

/// <summary>The one activity index of the store.</summary>
public static class ActivityIndex
{
    public const long Key = 0;
}

/// <summary>Where an activity id belongs: which team claimed it, for which month, with what content.</summary>
[GenerateSerializer, Immutable, Alias("vh.ActivityLocation")]
public sealed record ActivityLocation
{
    [Id(0)] public required Guid ActivityId { get; init; }
    [Id(1)] public required string TeamId { get; init; }
    /// <summary>The Beijing-time month ("yyyyMM") the activity is logged under; a correction never changes it.</summary>
    [Id(2)] public required string MonthKey { get; init; }
    /// <summary>The first 64 bits of the content fingerprint of the activity as first sent.</summary>
    [Id(3)] public required long Fingerprint { get; init; }

    public static ActivityLocation Of(ActivityRecord activity) => Of(activity, Catalog.BeijingTime.MonthKeyOf(activity.OccurredAt));

    /// <summary>Where <paramref name="activity"/> belongs, with its month key as the caller already holds it.</summary>
    public static ActivityLocation Of(ActivityRecord activity, string monthKey) => new()
    {
        ActivityId = activity.Id,
        TeamId = activity.TeamId,
        MonthKey = monthKey,
        Fingerprint = FingerprintOf(activity),
    };

    public static long FingerprintOf(ActivityRecord activity) => activity.ContentFingerprint64();
}

/// <summary>
/// A bounded page of the activity index; only the last page is ever written. The index reads the pages straight
/// from storage when it starts.
/// </summary>
[Alias("vh.IActivityIndexPageGrain")]
public interface IActivityIndexPageGrain : IGrainWithIntegerKey
{
    [Alias("Append")]
    Task Append(ImmutableArray<ActivityLocation> locations);
}

/// <summary>
/// Where an activity id was claimed before the activity index existed, one grain per id. Read only to complete an
/// append that such a store had cut short; new ids are claimed in the index.
/// </summary>
[Alias("vh.IActivityGrain")]
public interface IActivityGrain : IGrainWithGuidKey
{
    [Alias("GetClaim")]
    Task<ActivityClaim?> GetClaim();
}

[GenerateSerializer, Immutable, Alias("vh.ActivityClaim")]
public sealed record ActivityClaim
{
    [Id(0)] public required string TeamId { get; init; }
    [Id(1)] public required string Fingerprint { get; init; }
    [Id(2)] public required string ChunkKey { get; init; }
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

    /// <summary>The index a <see cref="Chunk"/> key names.</summary>
    public static int IndexOf(string chunkKey) => int.Parse(chunkKey.AsSpan(chunkKey.LastIndexOf('/') + 1), CultureInfo.InvariantCulture);
}
