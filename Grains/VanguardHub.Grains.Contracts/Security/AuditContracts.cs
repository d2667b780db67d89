using Orleans.Concurrency;
using System.Collections.Immutable;

namespace VanguardHub.Contracts.Security;

/// <summary>One line of the audit log: who did what to what, and when.</summary>
[GenerateSerializer, Immutable, Alias("vh.AuditEntry")]
public sealed record AuditEntry
{
    [Id(0)] public required DateTimeOffset At { get; init; }
    /// <summary>The account name, or "token:{name}" for a bearer token.</summary>
    [Id(1)] public required string Actor { get; init; }
    /// <summary>A dotted verb such as "account.create", "token.revoke", "activity.log".</summary>
    [Id(2)] public required string Action { get; init; }
    [Id(3)] public required string Target { get; init; }
    [Id(4)] public string? Detail { get; init; }
}

/// <summary>The audit log of one Beijing month ("yyyyMM"), append-only.</summary>
[Alias("vh.IAuditLogGrain")]
public interface IAuditLogGrain : IGrainWithStringKey
{
    Task Append(ImmutableArray<AuditEntry> entries);

    /// <summary>Newest first.</summary>
    [ReadOnly, AlwaysInterleave]
    Task<ImmutableArray<AuditEntry>> Latest(int limit);
}
