using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Audit;

namespace VanguardHub.Contracts.Teams;

/// <summary>One Chuncheng Vanguard service team: its running aggregates, its recent activities, and the front door to its log.</summary>
[Alias("vh.IServiceTeamGrain")]
public interface IServiceTeamGrain : IGrainWithStringKey
{
    /// <summary>Interleaves: activities arriving while a batch is stored join the next batch (group commit).</summary>
    [Alias("LogActivity"), Orleans.Concurrency.AlwaysInterleave]
    Task<LogResult> LogActivity(ActivityRecord activity);

    /// <summary>
    /// Several activities of this team in one call (a phone's outbox catching up, a back-fill): they join the same group
    /// commit as single ones, and the answers come in the order of <paramref name="activities"/>.
    /// </summary>
    [Alias("LogActivities"), Orleans.Concurrency.AlwaysInterleave]
    Task<ImmutableArray<LogResult>> LogActivities(ImmutableArray<ActivityRecord> activities);

    [Alias("GetSummary"), Orleans.Concurrency.AlwaysInterleave]
    Task<TeamSummary> GetSummary();

    /// <summary>What the city board needs of this team.</summary>
    [Alias("GetStanding"), Orleans.Concurrency.AlwaysInterleave]
    Task<Board.TeamStanding> GetStanding();

    [Alias("GetTimeline"), Orleans.Concurrency.AlwaysInterleave]
    Task<TimelinePage> GetTimeline(TimelineQuery query);

    /// <summary>Stores a new revision of one of this team's activities, or voids it; the aggregates follow exactly.</summary>
    [Alias("Correct")]
    Task<CorrectionResult> Correct(ActivityCorrection correction);

    /// <summary>Every stored revision of one activity, oldest first; empty when the team has no such activity.</summary>
    [Alias("GetRevisions"), Orleans.Concurrency.AlwaysInterleave]
    Task<ImmutableArray<ActivityRecord>> GetRevisions(Guid activityId);

    /// <summary>Where each activity in this team's log belongs: what the activity index is built from.</summary>
    [Alias("GetLocations"), Orleans.Concurrency.AlwaysInterleave, ResponseTimeout(WholeLogCalls.Timeout)]
    Task<ImmutableArray<ActivityLocation>> GetLocations();

    /// <summary>Recomputes every aggregate from the stored log and compares it with what the team holds.</summary>
    [Alias("Audit"), Orleans.Concurrency.AlwaysInterleave, ResponseTimeout(WholeLogCalls.Timeout)]
    Task<TeamAudit> Audit();

    /// <summary>Replaces the aggregates with the ones recomputed from the log.</summary>
    [Alias("RebuildFromLog"), ResponseTimeout(WholeLogCalls.Timeout)]
    Task<TeamAudit> RebuildFromLog();
}

[GenerateSerializer, Immutable, Alias("vh.TeamAggregates")]
public sealed record TeamAggregates
{
    public static readonly TeamAggregates Empty = new();

    [Id(0)] public ActivityTally Total { get; init; } = ActivityTally.Zero;
    [Id(1)] public ImmutableDictionary<string, ActivityTally> ByDomain { get; init; } = ImmutableDictionary<string, ActivityTally>.Empty;
    [Id(2)] public ImmutableDictionary<string, ActivityTally> ByDistrict { get; init; } = ImmutableDictionary<string, ActivityTally>.Empty;
    /// <summary>Per Beijing-time day, for the most recent days only (the window is a setting); older days are read from the log.</summary>
    [Id(3)] public ImmutableArray<DayTally> Daily { get; init; } = [];
    /// <summary>The part of <see cref="Total"/> an admin has verified; reported and verified are shown side by side.</summary>
    [Id(4)] public ActivityTally Verified { get; init; } = ActivityTally.Zero;
}

[GenerateSerializer, Immutable, Alias("vh.TeamSummary")]
public sealed record TeamSummary
{
    [Id(0)] public required TeamProfile Profile { get; init; }
    [Id(1)] public required TeamAggregates Aggregates { get; init; }
    [Id(2)] public ImmutableArray<ActivityRecord> Recent { get; init; } = [];
    [Id(3)] public DateTimeOffset? LastActivityAt { get; init; }
    /// <summary>When these figures last changed.</summary>
    [Id(4)] public DateTimeOffset AsOf { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.TimelineQuery")]
public sealed record TimelineQuery
{
    /// <summary>Inclusive lower bound on OccurredAt.</summary>
    [Id(0)] public DateTimeOffset? From { get; init; }
    /// <summary>Exclusive upper bound on OccurredAt.</summary>
    [Id(1)] public DateTimeOffset? To { get; init; }
    [Id(2)] public string? Domain { get; init; }
    /// <summary>1-based.</summary>
    [Id(3)] public int Page { get; init; } = 1;
    [Id(4)] public int PageSize { get; init; } = 20;
    [Id(5)] public string? District { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.TimelinePage")]
public sealed record TimelinePage
{
    [Id(0)] public required int Page { get; init; }
    [Id(1)] public required int PageSize { get; init; }
    [Id(2)] public required int Total { get; init; }
    [Id(3)] public required ImmutableArray<ActivityRecord> Items { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.TeamAudit")]
public sealed record TeamAudit
{
    [Id(0)] public required string TeamId { get; init; }
    [Id(1)] public required int StoredActivities { get; init; }
    [Id(2)] public required TeamAggregates FromLog { get; init; }
    [Id(3)] public required TeamAggregates Held { get; init; }
    /// <summary>Per partner enterprise, what this team's logged activities that involved it add up to.</summary>
    [Id(4)] public ImmutableDictionary<string, Enterprises.EnterpriseTotals> ByPartner { get; init; } = ImmutableDictionary<string, Enterprises.EnterpriseTotals>.Empty;
    [Id(5)] public required bool Consistent { get; init; }
}
