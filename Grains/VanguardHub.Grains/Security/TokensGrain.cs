using System.Collections.Immutable;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using VanguardHub.Contracts.Security;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Security;

/// <summary>
/// Tokens look like "vh_{id}_{secret}": the id finds the entry, the secret (256 random bits) is compared by its
/// SHA-256, in constant time. A random 256-bit secret needs no slow hash; the store never holds the token itself.
/// Web hosts keep tokens they validated for a few seconds (<c>TokenCache</c>) and watch this grain: a revocation is
/// stored, then every watching host forgets the token, and only then does <see cref="Revoke"/> return.
/// </summary>
internal sealed partial class TokensGrain(
    [PersistentState("tokens", GrainStorage.Name)] IPersistentState<TokensGrain.State> state,
    TimeProvider clock,
    ILogger<TokensGrain> logger) : Grain, ITokensGrain
{
    private readonly HostRegistrations<ITokenWatcher> _watchers = new(clock, Tokens.WatchLifetime);

    public async Task<IssuedToken> Issue(string name, string role, string? teamId, DateTimeOffset? expiresAt, string createdBy)
    {
        if (!Roles.IsKnown(role))
        {
            throw new ArgumentException($"Unknown role \"{role}\".", nameof(role));
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var stored = new StoredToken
        {
            Info = new TokenInfo
            {
                Id = id,
                Name = name,
                Role = role,
                TeamId = role == Roles.Leader ? teamId : null,
                CreatedAt = clock.GetUtcNow(),
                ExpiresAt = expiresAt,
                CreatedBy = createdBy,
            },
            SecretHash = TokenText.SecretHash(secret),
        };
        state.State.Tokens[id] = stored;
        await state.WriteStateAsync();
        return new IssuedToken { Info = stored.Info, Token = TokenText.Of(id, secret) };
    }

    public Task<TokenInfo?> Validate(string token)
    {
        if (TokenText.Parse(token) is not ({ } id, { } secret) || !state.State.Tokens.TryGetValue(id, out var stored))
        {
            return Task.FromResult<TokenInfo?>(null);
        }

        var info = stored.Info;
        var valid = CryptographicOperations.FixedTimeEquals(TokenText.SecretHash(secret), stored.SecretHash)
            && info.RevokedAt is null
            && (info.ExpiresAt is null || info.ExpiresAt > clock.GetUtcNow());
        return Task.FromResult(valid ? info : null);
    }

    public Task<ImmutableArray<TokenInfo>> List() =>
        Task.FromResult(state.State.Tokens.Values.Select(t => t.Info).OrderByDescending(t => t.CreatedAt).ToImmutableArray());

    public Task<bool> IsActive(string id) => Task.FromResult(
        state.State.Tokens.TryGetValue(id, out var stored) && stored.Info.RevokedAt is null
        && (stored.Info.ExpiresAt is null || stored.Info.ExpiresAt > clock.GetUtcNow()));

    public async Task<bool> Revoke(string id)
    {
        if (!state.State.Tokens.TryGetValue(id, out var stored))
        {
            return false;
        }

        if (stored.Info.RevokedAt is null)
        {
            stored.Info = stored.Info with { RevokedAt = clock.GetUtcNow() };
            await state.WriteStateAsync();
        }

        await TellWatchers(id);
        return true;
    }

    public Task Watch(Guid hostId, ITokenWatcher watcher)
    {
        _watchers.Renew(hostId, watcher);
        return Task.CompletedTask;
    }

    public Task Unwatch(Guid hostId)
    {
        _watchers.Remove(hostId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every watching host forgets the token. A host that does not answer in time is dropped: it stops keeping tokens
    /// once its registration is not renewed, and what it keeps lapses within seconds anyway.
    /// </summary>
    private async Task TellWatchers(string id)
    {
        _watchers.DropLapsed();
        var told = _watchers.All.Select(async w =>
        {
            try
            {
                await w.Observer.OnRevoked(id).WaitAsync(Tokens.NotifyTimeout);
                return (w.Host, Answered: true);
            }
            catch (Exception e)
            {
                LogWatcherFailed(logger, e, w.Host);
                return (w.Host, Answered: false);
            }
        }).ToList();
        foreach (var (host, answered) in await Task.WhenAll(told))
        {
            if (!answered)
            {
                _watchers.Remove(host);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Web host {HostId} did not confirm a token revocation; dropped from the watchers")]
    private static partial void LogWatcherFailed(ILogger logger, Exception exception, Guid hostId);

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    [GenerateSerializer, Alias("vh.TokensState")]
    public sealed class State
    {
        [Id(0)] public Dictionary<string, StoredToken> Tokens { get; set; } = new(StringComparer.Ordinal);
    }

    [GenerateSerializer, Alias("vh.StoredToken")]
    public sealed class StoredToken
    {
        [Id(0)] public TokenInfo Info { get; set; } = null!;
        [Id(1)] public byte[] SecretHash { get; set; } = [];
    }
}
