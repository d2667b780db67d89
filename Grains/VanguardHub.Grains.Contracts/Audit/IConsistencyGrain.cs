using System.Collections.Immutable;

namespace VanguardHub.Contracts.Audit;

/// <summary>Checks (and on request rebuilds) every aggregate against the sum over the stored activity logs.</summary>
[Alias("vh.IConsistencyGrain")]
public interface IConsistencyGrain : IGrainWithIntegerKey
{
    [Alias("Check"), ResponseTimeout(WholeLogCalls.Timeout)]
    Task<ConsistencyReport> Check();

    [Alias("Rebuild"), ResponseTimeout(WholeLogCalls.Timeout)]
    Task<ConsistencyReport> Rebuild();
}

[GenerateSerializer, Immutable, Alias("vh.ConsistencyReport")]
public sealed record ConsistencyReport
{
    [Id(0)] public required bool Consistent { get; init; }
    [Id(1)] public required long StoredActivities { get; init; }
    [Id(2)] public required long BoardActivities { get; init; }
    /// <summary>One line per aggregate that differs from the log, e.g. "team red-pomegranate: byDomain".</summary>
    [Id(3)] public required ImmutableArray<string> Differences { get; init; }
    [Id(4)] public required DateTimeOffset CheckedAt { get; init; }
}
