namespace VanguardHub.Grains.Infrastructure;

/// <summary>How the activity log and the team aggregates are shaped. Section "ActivityLog".</summary>
public sealed class ActivityLogOptions
{
    public const string Section = "ActivityLog";

    /// <summary>
    /// Activities per log chunk (default 32). Logging one activity rewrites one chunk, so this bounds the cost
    /// of a write (with chunks of 64 the service stored some 5% fewer activities a second under load); timeline reads
    /// touch fewer chunks when it is larger.
    /// </summary>
    public int ChunkCapacity { get; set; } = 32;

    /// <summary>How many of its latest activities a team keeps at hand for the wall's feed (default 10).</summary>
    public int RecentCount { get; set; } = 10;

    /// <summary>How many recent Beijing-time days a team keeps per-day figures for (default 92); older days come from the log.</summary>
    public int DailyWindowDays { get; set; } = 92;

    /// <summary>
    /// How many of those days, up to today, the team's own state holds (default 31). The earlier days of the window are
    /// stored apart and written only when one of them changes or a day leaves the held ones, so the write every batch
    /// makes carries a month of days, not the whole window. Activities are back-filled days late, rarely months.
    /// </summary>
    public int HeldDays { get; set; } = 31;

    /// <summary>
    /// How many batches a team stores as entries of its journal before it writes its whole state again (default 16;
    /// 1: after every batch). A journal entry holds the batch's records alone, and the store writes the entries of
    /// many teams together; an activation applies the entries written since the state to it.
    /// </summary>
    public int CheckpointEvery { get; set; } = 16;

    // Grains clamp whatever was configured, so a bad setting cannot make writes unbounded.
    internal int EffectiveChunkCapacity => Math.Clamp(ChunkCapacity, 8, 1024);

    internal int EffectiveRecentCount => Math.Clamp(RecentCount, 1, 100);

    internal int EffectiveDailyWindowDays => Math.Clamp(DailyWindowDays, 31, 400);

    internal int EffectiveCheckpointEvery => Math.Clamp(CheckpointEvery, 1, 1000);

    internal int EffectiveHeldDays => Math.Clamp(HeldDays, 7, EffectiveDailyWindowDays);
}
