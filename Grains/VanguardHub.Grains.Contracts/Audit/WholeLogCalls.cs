namespace VanguardHub.Contracts.Audit;

/// <summary>
/// How long a caller waits for a call that reads every stored activity of a team, or of all of them (the
/// consistency check, a rebuild, the locations an index is built from). Orleans gives every call 30 seconds by
/// default; a check of 1,000,000 activities took about 9 s on SQLite, and on PostgreSQL some 1,600,000 took more than
/// 30, so the call failed while its work went on. These take as long as the store needs, up to this.
/// </summary>
public static class WholeLogCalls
{
    /// <summary>As <see cref="Orleans.ResponseTimeoutAttribute"/> reads it.</summary>
    public const string Timeout = "00:30:00";
}
