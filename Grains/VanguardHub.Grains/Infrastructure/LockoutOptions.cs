namespace VanguardHub.Grains.Infrastructure;

/// <summary>Sign-in lockout. Section "Security" (the web host reads its rate limits from the same section).</summary>
public sealed class LockoutOptions
{
    public const string Section = "Security";

    /// <summary>Failed sign-ins in a row that lock an account (default 5).</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>How long a locked account stays locked (default 15 minutes); an admin's password reset unlocks it at once.</summary>
    public double LockoutMinutes { get; set; } = 15;

    internal TimeSpan LockoutDuration => TimeSpan.FromMinutes(Math.Clamp(LockoutMinutes, 0.05, 24 * 60));
}
