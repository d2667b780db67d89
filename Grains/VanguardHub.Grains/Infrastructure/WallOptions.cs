namespace VanguardHub.Grains.Infrastructure;

/// <summary>How the city board pushes to the walls. Section "Wall".</summary>
public sealed class WallOptions
{
    public const string Section = "Wall";

    /// <summary>At most this many snapshots a second reach each wall (default 4); a burst in between becomes one snapshot.</summary>
    public double MaxPushesPerSecond { get; set; } = 4;

    /// <summary>When nothing changes, the board confirms its current version this often (default 5 s), so walls can tell quiet from stale.</summary>
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>How often the board asks every team again, to take in any report that was lost (default 5 s).</summary>
    public double ResyncSeconds { get; set; } = 5;

    internal TimeSpan ResyncInterval => TimeSpan.FromSeconds(Math.Clamp(ResyncSeconds, 1, 300));

    internal TimeSpan PushInterval => TimeSpan.FromSeconds(1 / Math.Clamp(MaxPushesPerSecond, 0.2, 20));

    internal TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(Math.Clamp(HeartbeatSeconds, 1, 60));

    /// <summary>How often the board looks whether a heartbeat is due: a fifth of the heartbeat interval.</summary>
    internal TimeSpan BeatInterval => HeartbeatInterval / 5;
}
