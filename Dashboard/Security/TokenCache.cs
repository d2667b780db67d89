using System.Collections.Concurrent;
using System.Security.Cryptography;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;

namespace VanguardHub.Dashboard.Security;

/// <summary>
/// Tokens this host validated in the last few seconds, so that a request with a token seen a moment ago does not wait
/// for the tokens grain. It keeps the token's id, the SHA-256 of its secret and its holder, never the token itself.
/// </summary>
/// <remarks>
/// The host watches the tokens grain (<see cref="TokenWatchService"/>), which tells it of every revocation before the
/// revocation's request is answered: on this host a revoked token fails on its very next request. Tokens are kept
/// only while that registration is current, and each for at most <see cref="Lifetime"/>, which bounds what a host
/// the grain could not reach may still accept.
/// </remarks>
internal sealed class TokenCache(TimeProvider clock) : ITokenWatcher
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _revocations;
    private long _watchingUntilTicks;

    private sealed record Entry(byte[] SecretHash, TokenInfo Info, DateTimeOffset Until);

    /// <summary>Counts revocations heard; a validation that began before one must not be kept (<see cref="Keep"/>).</summary>
    public long Revocations => Interlocked.Read(ref _revocations);

    /// <summary>Whether this host's registration with the tokens grain is current, so that it hears revocations.</summary>
    public bool Watching => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _watchingUntilTicks);

    public int Count => _entries.Count;

    /// <summary>The registration was made or renewed at <paramref name="at"/>.</summary>
    public void Watched(DateTimeOffset at) => Interlocked.Exchange(ref _watchingUntilTicks, (at + Tokens.WatchLifetime).UtcTicks);

    /// <summary>The registration could not be renewed, or the host is stopping: keep nothing.</summary>
    public void StoppedWatching()
    {
        Interlocked.Exchange(ref _watchingUntilTicks, 0);
        Interlocked.Increment(ref _revocations);
        _entries.Clear();
    }

    /// <summary>The holder of <paramref name="token"/> if this host validated it a moment ago and it has not expired since.</summary>
    public TokenInfo? Find(string token)
    {
        if (!Watching || TokenText.Parse(token) is not ({ } id, { } secret) || !_entries.TryGetValue(id, out var entry))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (now >= entry.Until || entry.Info.ExpiresAt <= now)
        {
            _entries.TryRemove(KeyValuePair.Create(id, entry));
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(TokenText.SecretHash(secret), entry.SecretHash) ? entry.Info : null;
    }

    /// <summary>
    /// Keeps what the tokens grain said of <paramref name="token"/>, unless a revocation was heard since
    /// <paramref name="revocationsBefore"/> (read before asking the grain): its answer may predate that revocation.
    /// </summary>
    public void Keep(string token, TokenInfo info, long revocationsBefore)
    {
        if (!Watching || TokenText.Parse(token) is not ({ } id, { } secret))
        {
            return;
        }

        var entry = new Entry(TokenText.SecretHash(secret), info, clock.GetUtcNow() + Lifetime);
        _entries[id] = entry;

        // A revocation counts first and forgets second, so either it sees this entry or this check sees its count.
        if (Revocations != revocationsBefore)
        {
            _entries.TryRemove(KeyValuePair.Create(id, entry));
        }
    }

    /// <summary>Raised when the tokens grain says a token was revoked, with the token's id.</summary>
    public event Action<string>? Revoked;

    public Task OnRevoked(string id)
    {
        Interlocked.Increment(ref _revocations);
        _entries.TryRemove(id, out _);
        Revoked?.Invoke(id);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Keeps this host registered with the tokens grain, renewing well within the registration's lifetime and registering
/// again after the grain or the cluster restarts. While it is not registered, the cache keeps nothing.
/// </summary>
internal sealed partial class TokenWatchService(
    IGrainFactory grains, TokenCache cache, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<TokenWatchService> logger) : BackgroundService
{
    private readonly Guid _hostId = Guid.NewGuid();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }

        var reference = grains.CreateObjectReference<ITokenWatcher>(cache);
        var tokens = grains.GetGrain<ITokensGrain>(Tokens.Key);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var at = clock.GetUtcNow();
                await tokens.Watch(_hostId, reference);
                cache.Watched(at);
                await Task.Delay(Tokens.WatchLifetime / 4, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                cache.StoppedWatching();
                LogWatchFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }

        cache.StoppedWatching();
        try
        {
            await tokens.Unwatch(_hostId).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        }
        catch (Exception)
        {
            // Shutting down; the registration lapses by itself.
        }

        grains.DeleteObjectReference<ITokenWatcher>(reference);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register with the tokens grain; validating every token with it until registered")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
