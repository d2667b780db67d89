namespace VanguardHub.Dashboard.Security;

/// <summary>Sessions and rate limits. Section "Security" (lockout settings live in the same section).</summary>
internal sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>How long a sign-in lasts without use (default 12 hours; each use extends it).</summary>
    public double SessionHours { get; set; } = 12;

    /// <summary>Sign-in attempts per minute from one address (default 30).</summary>
    public int SignInsPerMinutePerAddress { get; set; } = 30;

    /// <summary>Sign-in attempts per minute for one account name (default 10), on top of the lockout.</summary>
    public int SignInsPerMinutePerAccount { get; set; } = 10;

    /// <summary>Sustained writes per second per person or token (default 50).</summary>
    public int WritesPerSecond { get; set; } = 50;

    /// <summary>Writes one person or token may send in a burst (default 500: a phone's outbox catching up, a script's batch).</summary>
    public int WriteBurst { get; set; } = 500;

    /// <summary>Wall pairing requests per minute from one address (default 10).</summary>
    public int PairingsPerMinutePerAddress { get; set; } = 10;
}
