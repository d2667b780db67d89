using Orleans.Concurrency;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace VanguardHub.Contracts.Security;

/// <summary>A bearer token as listed; the secret itself is never stored, only its SHA-256.</summary>
[GenerateSerializer, Immutable, Alias("vh.TokenInfo")]
public sealed record TokenInfo
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Role { get; init; }
    [Id(3)] public string? TeamId { get; init; }
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    [Id(5)] public DateTimeOffset? ExpiresAt { get; init; }
    [Id(6)] public DateTimeOffset? RevokedAt { get; init; }
    [Id(7)] public required string CreatedBy { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.IssuedToken")]
public sealed record IssuedToken
{
    [Id(0)] public required TokenInfo Info { get; init; }
    /// <summary>The token text, handed out once.</summary>
    [Id(1)] public required string Token { get; init; }
}

/// <summary>Bearer tokens for scripts, integrations and paired wall displays. Revocation takes effect on the next request.</summary>
[Alias("vh.ITokensGrain")]
public interface ITokensGrain : IGrainWithIntegerKey
{
    Task<IssuedToken> Issue(string name, string role, string? teamId, DateTimeOffset? expiresAt, string createdBy);

    /// <summary>The token's holder, or null when the token is unknown, revoked or expired.</summary>
    [ReadOnly, AlwaysInterleave]
    Task<TokenInfo?> Validate(string token);

    [ReadOnly, AlwaysInterleave]
    Task<ImmutableArray<TokenInfo>> List();

    /// <summary>False once the token is revoked or expired (or was never issued).</summary>
    [ReadOnly, AlwaysInterleave]
    Task<bool> IsActive(string id);

    /// <summary>
    /// False when there is no such token; revoking twice keeps the first time. Returns once every watching web host
    /// has forgotten the token (or failed to answer within <see cref="Tokens.NotifyTimeout"/>).
    /// </summary>
    Task<bool> Revoke(string id);

    /// <summary>
    /// Registers a web host that keeps validated tokens for a moment, to be told of every revocation. A registration
    /// lapses unless renewed within <see cref="Tokens.WatchLifetime"/>; it is not durable.
    /// </summary>
    Task Watch(Guid hostId, ITokenWatcher watcher);

    Task Unwatch(Guid hostId);
}

/// <summary>A web host's cache of validated tokens, told when one is revoked.</summary>
[Alias("vh.ITokenWatcher")]
public interface ITokenWatcher : IGrainObserver
{
    [Alias("OnRevoked")]
    Task OnRevoked(string id);
}

public static class Tokens
{
    public const long Key = 0;

    public static readonly TimeSpan WatchLifetime = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan NotifyTimeout = TimeSpan.FromSeconds(2);
}

/// <summary>
/// A token's text, "vh_{id}_{secret}": the id finds the entry, the secret is compared by its SHA-256. The tokens grain
/// and the web hosts' cache of validated tokens read it the same way.
/// </summary>
public static class TokenText
{
    private const string Prefix = "vh_";
    private const int MaxLength = 128;

    public static string Of(string id, string secret) => $"{Prefix}{id}_{secret}";

    /// <summary>The id and the secret, or null when the text is not a token's.</summary>
    public static (string Id, string Secret)? Parse(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > MaxLength)
        {
            return null;
        }

        var separator = token.IndexOf('_', Prefix.Length);
        return separator < 0 ? null : (token[Prefix.Length..separator], token[(separator + 1)..]);
    }

    /// <summary>What is stored and compared in place of the secret.</summary>
    public static byte[] SecretHash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));
}
