using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
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
    /// <summary>0 for the activity as first logged; each correction stores the whole activity again, one higher.</summary>
    [Id(14)] public int Revision { get; init; }
    /// <summary>Voided: it no longer counts anywhere, and the log keeps it with the reason.</summary>
    [Id(15)] public bool Voided { get; init; }
    [Id(16)] public string? VoidReason { get; init; }
    /// <summary>When this revision was made (null for the first); <see cref="RecordedAt"/> stays when it was first logged.</summary>
    [Id(17)] public DateTimeOffset? RevisedAt { get; init; }
    /// <summary>Checked by an admin; a later correction of its content clears it (the new figures are unchecked).</summary>
    [Id(18)] public bool Verified { get; init; }
    [Id(19)] public string? VerifiedBy { get; init; }
    [Id(20)] public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>Logged more than <see cref="BackFillAfter"/> after it happened: shown with a back-filled mark.</summary>
    public bool BackFilled => RecordedAt - OccurredAt > BackFillAfter;

    public static readonly TimeSpan BackFillAfter = TimeSpan.FromDays(7);

    /// <summary>
    /// A digest of what the client sent (not of what the server assigned), so a resend can be told
    /// apart from a different activity that reuses an id.
    /// </summary>
    public string ContentFingerprint()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashContent(hash);
        return Convert.ToHexString(hash);
    }

    /// <summary>The first 64 bits of <see cref="ContentFingerprint"/>, as the activity index keeps them.</summary>
    public long ContentFingerprint64()
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashContent(hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }

    /// <summary>
    /// SHA-256 of the content as one line of text, fields separated by U+001F, outcomes by commas, the partners sorted.
    /// The text is stored in every activity index: it must never change.
    /// </summary>
    private void HashContent(Span<byte> hash)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, null, stackalloc char[512]);
        const string Field = "\u001f";
        text.AppendFormatted(Id, "N");
        text.AppendLiteral(Field);
        text.AppendFormatted(TeamId);
        text.AppendLiteral(Field);
        text.AppendFormatted(OccurredAt.UtcTicks);
        text.AppendLiteral(Field);
        text.AppendFormatted(Domain);
        text.AppendLiteral(Field);
        text.AppendFormatted(District);
        text.AppendLiteral(Field);
        text.AppendFormatted(Place);
        text.AppendLiteral(Field);
        text.AppendFormatted(Title);
        text.AppendLiteral(Field);
        text.AppendFormatted(Description);
        text.AppendLiteral(Field);
        text.AppendFormatted(Participants);
        text.AppendLiteral(Field);
        foreach (var count in (ReadOnlySpan<int>)[Outcomes.HouseholdsVisited, Outcomes.ResidentsServed, Outcomes.EnterprisesServed,
                     Outcomes.ProblemsSolved, Outcomes.DisputesMediated, Outcomes.PolicySessions])
        {
            text.AppendFormatted(count);
            text.AppendLiteral(",");
        }

        text.AppendFormatted(Outcomes.ProjectsLanded);
        text.AppendLiteral(Field);
        var first = true;
        foreach (var partner in Partners.Order(StringComparer.Ordinal))
        {
            if (!first)
            {
                text.AppendLiteral(",");
            }

            text.AppendFormatted(partner);
            first = false;
        }

        var chars = text.Text;
        var rented = chars.Length > 1024 ? ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length)) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[Encoding.UTF8.GetMaxByteCount(1024)];
            SHA256.HashData(bytes[..Encoding.UTF8.GetBytes(chars, bytes)], hash);
        }
        finally
        {
            text.Clear();
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}

/// <summary>The log keeps every revision; what counts is each activity's latest one, unless it is voided.</summary>
public static class Revisions
{
    public static IEnumerable<ActivityRecord> Latest(IEnumerable<ActivityRecord> log) =>
        log.GroupBy(a => a.Id).Select(g => g.MaxBy(a => a.Revision)!);

    public static IEnumerable<ActivityRecord> Live(IEnumerable<ActivityRecord> log) => Latest(log).Where(a => !a.Voided);
}

/// <summary>A correction: a new revision of a stored activity, or its voiding.</summary>
[GenerateSerializer, Immutable, Alias("vh.ActivityCorrection")]
public sealed record ActivityCorrection
{
    [Id(0)] public required Guid ActivityId { get; init; }
    /// <summary>The corrected activity (as validated from the client); null to void or verify.</summary>
    [Id(1)] public ActivityRecord? Replacement { get; init; }
    [Id(2)] public string? VoidReason { get; init; }
    [Id(3)] public required string Actor { get; init; }
    /// <summary>Marks the current revision verified (no replacement, no void).</summary>
    [Id(4)] public bool Verify { get; init; }
}

public enum CorrectionOutcome
{
    Revised = 0,
    Voided = 1,
    Verified = 6,
    /// <summary>The same content as the current revision (a resend): nothing new stored.</summary>
    Unchanged = 2,
    NotFound = 3,
    /// <summary>A voided activity cannot be revised.</summary>
    AlreadyVoided = 4,
    /// <summary>A correction may not move an activity to another month; void it and log it anew.</summary>
    MonthChanged = 5,
}

[GenerateSerializer, Immutable, Alias("vh.CorrectionResult")]
public sealed record CorrectionResult
{
    [Id(0)] public required CorrectionOutcome Outcome { get; init; }
    [Id(1)] public ActivityRecord? Activity { get; init; }
}

/// <summary>What an enterprise needs to follow a correction: the revision it replaces and the new one.</summary>
[GenerateSerializer, Immutable, Alias("vh.ActivityChange")]
public sealed record ActivityChange
{
    [Id(0)] public required ActivityRecord Previous { get; init; }
    [Id(1)] public required ActivityRecord Current { get; init; }
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
