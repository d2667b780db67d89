using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;

namespace VanguardHub.Dashboard.Security;

/// <summary>
/// "Authorization: Bearer vh_…" (or, for the hub's WebSocket and server-sent-events requests, which cannot carry
/// headers from a browser, "?access_token=vh_…" on the hub's path). A token is asked of the tokens grain unless this
/// host validated it a moment ago (<see cref="TokenCache"/>, which the grain tells of every revocation), so a revoked
/// token stops working on its next request.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IGrainFactory grains, TokenCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments(Wall.BoardHub.Path) && request.Query["access_token"] is [{ Length: > 0 } token] ? token : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = TokenOf(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var info = cache.Find(token);
        if (info is null)
        {
            var revocations = cache.Revocations;
            info = await grains.Cached<ITokensGrain>(Tokens.Key).Validate(token);
            if (info is not null)
            {
                cache.Keep(token, info, revocations);
            }
        }

        return info is null
            ? AuthenticateResult.Fail("The token is unknown, revoked or expired.")
            : AuthenticateResult.Success(new AuthenticationTicket(Identity.ForToken(info, Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Not signed in", "Sign in, or send a valid bearer token.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Not allowed", "Your role does not allow this.");
}
