using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

/// <summary>Signing in and out with a cookie session, and "who am I" (with the antiforgery token pages send back on writes).</summary>
internal static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Accounts");
        group.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        group.MapPost("/logout", Logout).RequireAuthorization(Policies.Board);
        group.MapGet("/me", Me).RequireAuthorization(Policies.Board);
        return app;
    }

    private sealed record LoginRequest(string? Username, string? Password);

    private static async Task<IResult> Login(
        HttpContext context, IGrainFactory grains, IAntiforgery antiforgery, SignInThrottle throttle, AuditTrail audit,
        FirstRunAdmin firstRun, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<LoginRequest>(context.Request, AccountRules.MaxBody, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request!.Username) || request.Username.Length > 64)
        {
            errors["username"] = ["A username is required."];
        }

        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > AccountRules.MaxPassword)
        {
            errors["password"] = ["A password is required."];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        if (!throttle.TryAttempt(request.Username!, out var wait))
        {
            return TooMany(context, wait, "Too many sign-in attempts for this account; try again shortly.");
        }

        // On a first start, the admin account may still be being made.
        await firstRun.Done.WaitAsync(cancellationToken);
        var result = await grains.GetGrain<IAccountsGrain>(Accounts.Key).SignIn(request.Username!, request.Password!);
        var logger = loggers.CreateLogger("VanguardHub.SignIn");
        switch (result.Outcome)
        {
            case SignInOutcome.LockedOut:
                logger.LogWarning("Sign-in refused: account locked until {LockedUntil}", result.LockedUntil);
                await audit.Record("anonymous", "account.lockout", Accounts.Normalize(request.Username!), $"locked until {result.LockedUntil:O}");
                return TooMany(context, (result.LockedUntil ?? DateTimeOffset.UtcNow) - DateTimeOffset.UtcNow, "This account is locked after repeated failed sign-ins; try again later or ask an admin to reset the password.");
            case SignInOutcome.Rejected:
                logger.LogWarning("Sign-in failed from {Address}", SecurityExtensions.AddressOf(context));
                return Problems.Status(StatusCodes.Status401Unauthorized, "password", "Sign-in failed", "Wrong username or password.");
        }

        var principal = Identity.ForAccount(result.Account!, Schemes.Cookie);
        await context.SignInAsync(Schemes.Cookie, principal);
        await audit.Record(result.Account!.Username, "session.sign-in", result.Account.Username);

        // The antiforgery token is bound to the user it is made for: make it for the one just signed in.
        context.User = principal;
        return TypedResults.Ok(new
        {
            username = result.Account.Username,
            role = result.Account.Role,
            teamId = result.Account.TeamId,
            via = "cookie",
            antiforgeryToken = antiforgery.GetAndStoreTokens(context).RequestToken,
        });
    }

    private static async Task<IResult> Logout(HttpContext context, AuditTrail audit)
    {
        if (context.User.SignedInWithCookie())
        {
            await context.SignOutAsync(Schemes.Cookie);
            await audit.Record(context.User, "session.sign-out", context.User.Actor());
        }

        return TypedResults.NoContent();
    }

    private static IResult Me(HttpContext context, IAntiforgery antiforgery)
    {
        var user = context.User;
        var cookie = user.SignedInWithCookie();
        return TypedResults.Ok(new
        {
            username = user.Actor(),
            role = user.Role(),
            teamId = user.TeamId(),
            via = cookie ? "cookie" : "token",
            antiforgeryToken = cookie ? antiforgery.GetAndStoreTokens(context).RequestToken : null,
        });
    }

    private static IResult TooMany(HttpContext context, TimeSpan wait, string detail)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Status(StatusCodes.Status429TooManyRequests, "username", "Too many attempts", detail);
    }
}
