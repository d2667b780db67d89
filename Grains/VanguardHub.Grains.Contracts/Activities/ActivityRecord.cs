using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace VanguardHub.Contracts.Activities;

/// <summary>One logged activity of a service team, as stored in the team's activity log.</summary>
[GenerateSerializer, Immutable, Alias("vh.ActivityRecord")]
public sealed record ActivityRecord
{
    /// <summary>Made by the client, so that a resend of the same activity is recognised.</summary>
    [Id(0)] public required Guid Id { get; init; }
    [Id(1)] public required string TeamId { get; init; }
    [Id(2)] public required DateTimeOffset OccurredAt { get; init; }
    [Id(3)] public required string Domain { get; init; }
    [Id(4)] public required string District { get; init; }
    [Id(5)] public string? Place { get; init; }
    [Id(6)] public required string Title { get; init; }
    [Id(7)] public string? Description { get; init; }
    [Id(8)] public int Participants { get; init; }
    [Id(9)] public Outcomes Outcomes { get; init; } = Outcomes.Zero;
    [Id(10)] public ImmutableArray<string> Partners { get; init; } = [];
    /// <summary>When the service acknowledged it (server clock).</summary>
    [Id(11)] public DateTimeOffset RecordedAt { get; init; }
    /// <summary>Position in the team's log, 0-based; assigned by the team grain.</summary>
    [Id(12)] public long Sequence { get; init; }
    /// <summary>Who logged it: the account name, or "token:{name}" for an integration (the audit trail of every activity write).</summary>
    [Id(13)] public string? RecordedBy { get; init; }

    /// <summary>Logged more than <see cref="BackFillAfter"/> after it happened: shown with a back-filled mark.</summary>
    public bool BackFilled => RecordedAt - OccurredAt > BackFillAfter;

    public static readonly TimeSpan BackFillAfter = TimeSpan.FromDays(7);

    /// <summary>
    /// A digest of what the client sent (not of what the server assigned), so a resend can be told
    /// apart from a different activity that reuses an id.
    /// </summary>
    public string ContentFingerprint()
    {
        var canonical = new StringBuilder()
            .Append(Id.ToString("N")).Append('\u001f')
            .Append(TeamId).Append('\u001f')
            .Append(OccurredAt.UtcTicks).Append('\u001f')
            .Append(Domain).Append('\u001f')
            .Append(District).Append('\u001f')
            .Append(Place).Append('\u001f')
            .Append(Title).Append('\u001f')
            .Append(Description).Append('\u001f')
            .Append(Participants).Append('\u001f')
            .Append(Outcomes.HouseholdsVisited).Append(',')
            .Append(Outcomes.ResidentsServed).Append(',')
            .Append(Outcomes.EnterprisesServed).Append(',')
            .Append(Outcomes.ProblemsSolved).Append(',')
            .Append(Outcomes.DisputesMediated).Append(',')
            .Append(Outcomes.PolicySessions).Append(',')
            .Append(Outcomes.ProjectsLanded).Append('\u001f')
            .AppendJoin(',', Partners.Order(StringComparer.Ordinal));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}

public enum LogOutcome
{
    /// <summary>Stored now.</summary>
    Created = 0,
    /// <summary>The same activity was stored before; nothing counted twice.</summary>
    AlreadyStored = 1,
    /// <summary>The id is taken by a different activity.</summary>
    IdConflict = 2,
}

[GenerateSerializer, Immutable, Alias("vh.LogResult")]
public sealed record LogResult
{
    [Id(0)] public required LogOutcome Outcome { get; init; }
    /// <summary>The stored activity (for a conflict: the one that holds the id).</summary>
    [Id(1)] public ActivityRecord? Activity { get; init; }
}
