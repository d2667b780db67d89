using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using VanguardHub.Contracts.Security;

namespace VanguardHub.Dashboard.Security;

/// <summary>
/// A hub connection is authorized once, when it opens, and may then stay open for days on a wall. This host closes a
/// connection as soon as the tokens grain says its token was revoked (<see cref="TokenCache.Revoked"/>), and checks
/// its open connections every few seconds for what it was not told: a disabled account, a revocation this host missed.
/// </summary>
internal sealed class HubSessions : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new();
    private readonly IGrainFactory _grains;
    private readonly ILogger<HubSessions> _logger;

    public HubSessions(IGrainFactory grains, TokenCache tokens, ILogger<HubSessions> logger)
    {
        _grains = grains;
        _logger = logger;
        tokens.Revoked += CloseForToken;
    }

    public void Opened(HubCallerContext context) => _open[context.ConnectionId] = context;

    public void Closed(HubCallerContext context) => _open.TryRemove(context.ConnectionId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CloseRevoked();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "Could not check open hub connections; trying again shortly.");
            }
        }
    }

    private async Task CloseRevoked()
    {
        var verdicts = new Dictionary<string, bool>();
        foreach (var context in _open.Values)
        {
            var user = context.User;
            if (user is null)
            {
                continue;
            }

            var key = user.FindFirst(Identity.TokenIdClaim)?.Value is { } tokenId ? $"token:{tokenId}" : $"account:{user.Identity?.Name}";
            if (!verdicts.TryGetValue(key, out var allowed))
            {
                allowed = verdicts[key] = await StillAllowed(user);
            }

            if (!allowed)
            {
                Close(context);
            }
        }
    }

    /// <summary>Closes this host's connections that were opened with the token <paramref name="tokenId"/>.</summary>
    private void CloseForToken(string tokenId)
    {
        foreach (var context in _open.Values.Where(c => c.User?.FindFirst(Identity.TokenIdClaim)?.Value == tokenId))
        {
            Close(context);
        }
    }

    private void Close(HubCallerContext context)
    {
        _logger.LogInformation("Closing a hub connection of {Actor}: its credential was revoked.", context.User!.Actor());
        context.Abort();
        _open.TryRemove(context.ConnectionId, out _);
    }

    private async Task<bool> StillAllowed(System.Security.Claims.ClaimsPrincipal user)
    {
        if (user.FindFirst(Identity.TokenIdClaim)?.Value is { } tokenId)
        {
            return await _grains.GetGrain<ITokensGrain>(Tokens.Key).IsActive(tokenId);
        }

        var account = user.Identity?.Name is { } name ? await _grains.GetGrain<IAccountsGrain>(Accounts.Key).Find(name) : null;
        return account is { Disabled: false }
            && user.FindFirst(Identity.StampClaim)?.Value == account.Stamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
