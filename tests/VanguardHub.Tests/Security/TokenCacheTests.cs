using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Security;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Security;

/// <summary>A web host's memory of tokens it validated a moment ago, and how revocations reach it.</summary>
public sealed class TokenCacheTests : IAsyncLifetime
{
    private const string Token = "vh_0123456789abcdef_the-secret-part-of-the-token";
    private const string SameIdOtherSecret = "vh_0123456789abcdef_someone-guessing-the-secret";

    private static readonly TokenInfo Holder = new()
    {
        Id = "0123456789abcdef", Name = "reporting script", Role = Roles.Viewer, CreatedBy = "admin",
    };

    private readonly TempFolder _folder = new();
    private readonly ManualClock _clock = new();
    private GrainCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync(_folder.Path);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }

    private TokenCache WatchingCache()
    {
        var cache = new TokenCache(_clock);
        cache.Watched(_clock.GetUtcNow());
        return cache;
    }

    [Fact]
    public void A_kept_token_is_found_with_its_own_secret_only()
    {
        var cache = WatchingCache();
        cache.Keep(Token, Holder, cache.Revocations);

        cache.Find(Token).Should().Be(Holder);
        cache.Find(SameIdOtherSecret).Should().BeNull("the id finds the entry, the secret must still match");
        cache.Find("vh_ffffffffffffffff_the-secret-part-of-the-token").Should().BeNull();
    }

    [Fact]
    public void A_token_is_kept_for_a_few_seconds_and_never_past_its_own_expiry()
    {
        var cache = WatchingCache();
        cache.Keep(Token, Holder, cache.Revocations);
        _clock.Advance(TokenCache.Lifetime - TimeSpan.FromMilliseconds(1));
        cache.Find(Token).Should().Be(Holder);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        cache.Find(Token).Should().BeNull();

        var expiring = Holder with { ExpiresAt = _clock.GetUtcNow() + TimeSpan.FromSeconds(1) };
        cache.Keep(Token, expiring, cache.Revocations);
        cache.Find(Token).Should().Be(expiring);
        _clock.Advance(TimeSpan.FromSeconds(1));
        cache.Find(Token).Should().BeNull("the token expired, though the host validated it a moment ago");
    }

    [Fact]
    public void Nothing_is_kept_while_the_host_is_not_registered_to_hear_revocations()
    {
        var unregistered = new TokenCache(_clock);
        unregistered.Keep(Token, Holder, unregistered.Revocations);
        unregistered.Find(Token).Should().BeNull();

        var lapsed = WatchingCache();
        lapsed.Keep(Token, Holder, lapsed.Revocations);
        _clock.Advance(Tokens.WatchLifetime);
        lapsed.Find(Token).Should().BeNull("a registration that was not renewed may have lapsed at the grain");

        var stopped = WatchingCache();
        stopped.Keep(Token, Holder, stopped.Revocations);
        stopped.StoppedWatching();
        stopped.Find(Token).Should().BeNull();
        stopped.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_revocation_forgets_the_token_and_an_answer_from_before_it_is_not_kept()
    {
        var cache = WatchingCache();
        cache.Keep(Token, Holder, cache.Revocations);
        await cache.OnRevoked(Holder.Id);
        cache.Find(Token).Should().BeNull();

        // A request asked the grain, the token was revoked (and forgotten here) before its answer came back.
        var before = cache.Revocations;
        await cache.OnRevoked(Holder.Id);
        cache.Keep(Token, Holder, before);
        cache.Find(Token).Should().BeNull("the grain's answer may predate the revocation");
    }

    [Fact]
    public async Task Revoking_returns_once_every_watching_host_has_forgotten_the_token()
    {
        var tokens = _cluster.Grains.GetGrain<ITokensGrain>(Tokens.Key);
        var issued = await tokens.Issue("reporting script", Roles.Viewer, null, null, "admin");
        var hosts = new[] { WatchingCache(), WatchingCache() };
        foreach (var host in hosts)
        {
            await tokens.Watch(Guid.NewGuid(), _cluster.Grains.CreateObjectReference<ITokenWatcher>(host));
            var info = await tokens.Validate(issued.Token);
            host.Keep(issued.Token, info!, host.Revocations);
            host.Find(issued.Token).Should().NotBeNull();
        }

        (await tokens.Revoke(issued.Info.Id)).Should().BeTrue();

        hosts.Should().OnlyContain(h => h.Find(issued.Token) == null);
        (await tokens.Validate(issued.Token)).Should().BeNull();
    }

    [Fact]
    public async Task A_host_that_does_not_answer_is_dropped_and_does_not_hold_up_the_revocation()
    {
        var tokens = _cluster.Grains.GetGrain<ITokensGrain>(Tokens.Key);
        var first = await tokens.Issue("first", Roles.Viewer, null, null, "admin");
        var second = await tokens.Issue("second", Roles.Viewer, null, null, "admin");
        var silent = new SilentWatcher();
        await tokens.Watch(Guid.NewGuid(), _cluster.Grains.CreateObjectReference<ITokenWatcher>(silent));

        var revoking = System.Diagnostics.Stopwatch.StartNew();
        (await tokens.Revoke(first.Info.Id)).Should().BeTrue();
        revoking.Elapsed.Should().BeLessThan(Tokens.NotifyTimeout + TimeSpan.FromSeconds(10));
        silent.Calls.Should().Be(1);

        (await tokens.Revoke(second.Info.Id)).Should().BeTrue();
        silent.Calls.Should().Be(1, "a host that did not answer was dropped until it registers again");
    }

    [Fact]
    public async Task A_revocation_closes_the_hub_connections_opened_with_that_token_at_once()
    {
        var cache = WatchingCache();
        var sessions = new HubSessions(_cluster.Grains, cache, Microsoft.Extensions.Logging.Abstractions.NullLogger<HubSessions>.Instance);
        var revoked = new FakeConnection("c1", Holder with { Id = "revoked0000000001" });
        var other = new FakeConnection("c2", Holder with { Id = "stillgood00000002" });
        sessions.Opened(revoked);
        sessions.Opened(other);

        await cache.OnRevoked("revoked0000000001");

        revoked.Aborted.Should().BeTrue("the wall is told at once, not at the next periodic check");
        other.Aborted.Should().BeFalse();
    }

    private sealed class FakeConnection(string id, TokenInfo token) : Microsoft.AspNetCore.SignalR.HubCallerContext
    {
        public bool Aborted { get; private set; }

        public override string ConnectionId => id;

        public override string? UserIdentifier => null;

        public override System.Security.Claims.ClaimsPrincipal? User { get; } = Identity.ForToken(token, "token");

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort() => Aborted = true;
    }

    private sealed class SilentWatcher : ITokenWatcher
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task OnRevoked(string id)
        {
            Interlocked.Increment(ref _calls);
            return new TaskCompletionSource().Task; // never answers
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
