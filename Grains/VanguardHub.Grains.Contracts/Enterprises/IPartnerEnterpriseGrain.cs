using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;

namespace VanguardHub.Contracts.Enterprises;

/// <summary>A partner enterprise: what the teams did with it or for it.</summary>
[Alias("vh.IPartnerEnterpriseGrain")]
public interface IPartnerEnterpriseGrain : IGrainWithStringKey
{
    /// <summary>
    /// Counts activities that involved this enterprise; done once they are stored. Idempotent: an activity whose team
    /// sequence is not newer than the last one counted from that team is ignored, so a team may resend after a crash.
    /// Interleaves: what several teams send at about the same time is stored in one write.
    /// </summary>
    [Alias("Record"), Orleans.Concurrency.AlwaysInterleave]
    Task Record(ImmutableArray<ActivityRecord> activities);

    /// <summary>Follows corrections of activities that involved this enterprise before, after, or both; idempotent and interleaving like <see cref="Record"/>.</summary>
    [Alias("Correct"), Orleans.Concurrency.AlwaysInterleave]
    Task Correct(ImmutableArray<ActivityChange> changes);

    [Alias("GetSummary"), Orleans.Concurrency.ReadOnly]
    Task<EnterpriseSummary> GetSummary();

    [Alias("GetStanding"), Orleans.Concurrency.ReadOnly]
    Task<Board.EnterpriseStanding> GetStanding();

    /// <summary>Replaces the aggregates with ones recomputed from the teams' logs.</summary>
    [Alias("Replace")]
    Task Replace(EnterpriseTotals totals);
}

[GenerateSerializer, Immutable, Alias("vh.EnterpriseTotals")]
public sealed record EnterpriseTotals
{
    public static readonly EnterpriseTotals Empty = new();

    [Id(0)] public ActivityTally Total { get; init; } = ActivityTally.Zero;
    [Id(1)] public ImmutableDictionary<string, ActivityTally> ByTeam { get; init; } = ImmutableDictionary<string, ActivityTally>.Empty;
    [Id(2)] public ImmutableDictionary<string, ActivityTally> ByDomain { get; init; } = ImmutableDictionary<string, ActivityTally>.Empty;
    [Id(3)] public ImmutableDictionary<string, long> LastSequenceByTeam { get; init; } = ImmutableDictionary<string, long>.Empty;
}

[GenerateSerializer, Immutable, Alias("vh.EnterpriseSummary")]
public sealed record EnterpriseSummary
{
    [Id(0)] public required EnterpriseProfile Profile { get; init; }
    [Id(1)] public required EnterpriseTotals Totals { get; init; }
    [Id(2)] public ImmutableArray<ActivityRecord> Recent { get; init; } = [];
    [Id(3)] public DateTimeOffset AsOf { get; init; }
}
