using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using VanguardHub.Contracts.Security;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Security;

/// <summary>
/// Tokens look like "vh_{id}_{secret}": the id finds the entry, the secret (256 random bits) is compared by its
/// SHA-256, in constant time. A random 256-bit secret needs no slow hash; the store never holds the token itself.
/// </summary>
internal sealed class TokensGrain(
    [PersistentState("tokens", GrainStorage.Name)] IPersistentState<TokensGrain.State> state,
    TimeProvider clock) : Grain, ITokensGrain
{
    private const string Prefix = "vh_";

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
            SecretHash = SHA256.HashData(Encoding.ASCII.GetBytes(secret)),
        };
        state.State.Tokens[id] = stored;
        await state.WriteStateAsync();
        return new IssuedToken { Info = stored.Info, Token = $"{Prefix}{id}_{secret}" };
    }

    public Task<TokenInfo?> Validate(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 128)
        {
            return Task.FromResult<TokenInfo?>(null);
        }

        var separator = token.IndexOf('_', Prefix.Length);
        if (separator < 0 || !state.State.Tokens.TryGetValue(token[Prefix.Length..separator], out var stored))
        {
            return Task.FromResult<TokenInfo?>(null);
        }

        var hash = SHA256.HashData(Encoding.ASCII.GetBytes(token[(separator + 1)..]));
        var info = stored.Info;
        var valid = CryptographicOperations.FixedTimeEquals(hash, stored.SecretHash)
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

        return true;
    }

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
