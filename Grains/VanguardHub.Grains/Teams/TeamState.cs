using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;

namespace VanguardHub.Grains.Teams;

[GenerateSerializer, Alias("vh.TeamState")]
public sealed class TeamState
{
    /// <summary>The sequence the next activity gets: it only grows (a resend found in a batch leaves a gap).</summary>
    [Id(0)] public long LogLength { get; set; }

    /// <summary>The chunk directory, per Beijing-time month ("yyyyMM"). Grows by one entry a month, not with activities.</summary>
    [Id(1)] public Dictionary<string, MonthLog> Months { get; set; } = [];

    /// <summary>
    /// The figures, with per-day figures for the held days only (and any earlier day changed since it was last set
    /// apart); the rest of the window is in <see cref="EarlierDays"/>.
    /// </summary>
    [Id(2)] public TeamAggregates Aggregates { get; set; } = TeamAggregates.Empty;

    /// <summary>The latest activities, newest first.</summary>
    [Id(3)] public List<ActivityRecord> Recent { get; set; } = [];

    [Id(5)] public DateTimeOffset AsOf { get; set; }

    /// <summary>
    /// Records counted here and not yet in their chunks: those of the latest month's open chunk (written to it once it
    /// is full), and of any chunk whose write has not succeeded yet. Stored with the count, so an acknowledged activity
    /// is durable by this state's write alone; reads take them together with the chunks.
    /// </summary>
    [Id(6)] public List<PendingAppend> PendingAppends { get; set; } = [];

    /// <summary>
    /// Activities and corrections involving partner enterprises that the enterprises have not yet confirmed, in the
    /// order they were counted. Stored with the count and told to the enterprises after the acknowledgement; they skip
    /// what they already counted, so telling again after a crash is safe. An entry leaves once its enterprises have
    /// stored it (the team's next write stores that).
    /// </summary>
    [Id(7)] public List<UntoldChange> Untold { get; set; } = [];

    /// <summary>
    /// The number of the first entry of the team's journal this state does not include. Batches are stored as journal
    /// entries (<see cref="TeamChange"/>), and this state only every few of them; an activation applies the entries
    /// from here on to it.
    /// </summary>
    [Id(8)] public long JournalNext { get; set; }
}

/// <summary>
/// What one batch or one correction changed in a team, as the team's journal stores it: the records it counted (each
/// a correction where it names the revision it replaces), and the sequence the next activity gets. Applying the
/// entries in their order to the state stored before them gives the state as it was after them.
/// </summary>
[GenerateSerializer, Immutable, Alias("vh.TeamChange")]
public sealed record TeamChange
{
    [Id(0)] public required long LogLength { get; init; }
    [Id(1)] public required ImmutableArray<PendingAppend> Appends { get; init; }
}

/// <summary>A counted activity (or a correction: the revision it replaces and the new one) its partner enterprises are yet to hear of.</summary>
[GenerateSerializer, Immutable, Alias("vh.UntoldChange")]
public sealed record UntoldChange
{
    [Id(0)] public required ActivityRecord Record { get; init; }
    [Id(1)] public ActivityRecord? Previous { get; init; }
}

/// <summary>
/// A team's per-day figures for the days of its window before the held days, stored apart from the team state
/// ("teamdays"). Written before a day leaves the team state, so a day is always in one of the two; where both have
/// it, the team state's figure is the newer one.
/// </summary>
[GenerateSerializer, Alias("vh.EarlierDays")]
public sealed class EarlierDays
{
    public const string StateName = "teamdays";

    /// <summary>Ascending by day.</summary>
    [Id(0)] public ImmutableArray<DayTally> Days { get; set; } = [];
}

[GenerateSerializer, Alias("vh.MonthLog")]
public sealed class MonthLog
{
    [Id(0)] public int Chunks { get; set; }
    [Id(1)] public int Activities { get; set; }
    /// <summary>How many activities the month's last chunk holds.</summary>
    [Id(2)] public int LastChunkFill { get; set; }
}

/// <summary>An activity (or a revision of one) counted by its team and due in the named chunk.</summary>
[GenerateSerializer, Immutable, Alias("vh.PendingAppend")]
public sealed record PendingAppend
{
    [Id(0)] public required Guid ActivityId { get; init; }
    [Id(1)] public required string ChunkKey { get; init; }
    /// <summary>The record to append (absent in stores from before the activity index, whose claims hold it).</summary>
    [Id(2)] public ActivityRecord? Record { get; init; }
    /// <summary>For a correction: the revision the record replaces.</summary>
    [Id(3)] public ActivityRecord? Previous { get; init; }
}
