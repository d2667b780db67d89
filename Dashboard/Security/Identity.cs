using System.Security.Claims;
using VanguardHub.Contracts.Security;

namespace VanguardHub.Dashboard.Security;

/// <summary>The claims a signed-in person or a token carries, and what they allow.</summary>
internal static class Identity
{
    public const string TeamClaim = "vh:team";
    public const string StampClaim = "vh:stamp";
    public const string TokenIdClaim = "vh:token";

    public static ClaimsPrincipal ForAccount(AccountInfo account, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, account.Username),
            new Claim(ClaimTypes.Role, account.Role),
            new Claim(StampClaim, account.Stamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            .. account.TeamId is { } team ? [new Claim(TeamClaim, team)] : Array.Empty<Claim>(),
        ],
        scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static ClaimsPrincipal ForToken(TokenInfo token, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"token:{token.Name}"),
            new Claim(ClaimTypes.Role, token.Role),
            new Claim(TokenIdClaim, token.Id),
            .. token.TeamId is { } team ? [new Claim(TeamClaim, team)] : Array.Empty<Claim>(),
        ],
        scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>Who did it, as the audit log and the activity log record it.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? user.Identity.Name ?? "?" : "anonymous";

    public static string? Role(this ClaimsPrincipal user) => user.FindFirst(ClaimTypes.Role)?.Value;

    public static string? TeamId(this ClaimsPrincipal user) => user.FindFirst(TeamClaim)?.Value;

    public static bool SignedInWithCookie(this ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true, AuthenticationType: Schemes.Cookie };

    /// <summary>Admins write for any team; a leader for their own; nobody else.</summary>
    public static bool MayWriteFor(this ClaimsPrincipal user, string? teamId) => user.Role() switch
    {
        Roles.Admin => true,
        Roles.Leader => teamId is not null && string.Equals(user.TeamId(), teamId, StringComparison.Ordinal),
        _ => false,
    };
}

internal static class Schemes
{
    public const string Cookie = "vh-session";
    public const string Token = "vh-token";
    public const string Either = "vh";
}

/// <summary>The authorization policies the routes use.</summary>
internal static class Policies
{
    /// <summary>The board and its live channel: every role, walls included.</summary>
    public const string Board = "board";

    /// <summary>Drill-down, timelines, exports: people and integrations, not wall displays.</summary>
    public const string Read = "read";

    /// <summary>Logging activities: leaders (own team, checked per request) and admins.</summary>
    public const string Write = "write";

    public const string Admin = "admin";
}
