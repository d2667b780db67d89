using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Security;

/// <summary>Who may do what: cookie sessions for people, bearer tokens for scripts and wall displays, roles, antiforgery, rate limits.</summary>
internal static class SecurityExtensions
{
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IHostApplicationBuilder AddVanguardHubSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.Section));
        var settings = builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions();

        // Session cookies are encrypted with keys kept beside the store, so sign-ins survive a restart.
        var dataDirectory = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.DataDirectory ?? "data";
        services.AddDataProtection()
            .SetApplicationName("VanguardHub")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(dataDirectory), "keys")));

        services.AddAuthentication(Schemes.Either)
            .AddPolicyScheme(Schemes.Either, "Session or token", options =>
                options.ForwardDefaultSelector = context => TokenAuthenticationHandler.TokenOf(context.Request) is null ? Schemes.Cookie : Schemes.Token)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(Schemes.Token, null)
            .AddCookie(Schemes.Cookie, options =>
            {
                options.Cookie.Name = "vh.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(Math.Clamp(settings.SessionHours, 0.1, 24 * 30));
                options.SlidingExpiration = true;
                options.Events = new CookieAuthenticationEvents
                {
                    // An API answers 401/403 with ProblemDetails; pages send people to /login themselves.
                    OnRedirectToLogin = context => Problems.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Not signed in", "Sign in, or send a valid bearer token."),
                    OnRedirectToAccessDenied = context => Problems.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Not allowed", "Your role does not allow this."),
                    OnValidatePrincipal = ValidateSession,
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Board, policy => policy.RequireRole(Roles.Admin, Roles.Leader, Roles.Viewer, Roles.Wall))
            .AddPolicy(Policies.Read, policy => policy.RequireRole(Roles.Admin, Roles.Leader, Roles.Viewer))
            .AddPolicy(Policies.Write, policy => policy.RequireRole(Roles.Admin, Roles.Leader))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin))
            // A route that names no policy is for readers, never for anyone who can reach the port.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireRole(Roles.Admin, Roles.Leader, Roles.Viewer).Build());

        services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = "vh.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        services.AddRateLimiter(options =>
        {
            options.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.SetRetryAfter(context.Lease);
                return new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", "Slow down and try again shortly."));
            };
            options.AddPolicy(RateLimits.SignIn, context => RateLimitPartition.GetFixedWindowLimiter(AddressOf(context),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, settings.SignInsPerMinutePerAddress), Window = TimeSpan.FromMinutes(1) }));
            options.AddPolicy(RateLimits.Pairing, context => RateLimitPartition.GetFixedWindowLimiter(AddressOf(context),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = Math.Max(1, settings.PairingsPerMinutePerAddress), Window = TimeSpan.FromMinutes(1) }));
        });

        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<WriteAllowance>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<FirstRunAdmin>();
        services.AddHostedService(sp => sp.GetRequiredService<FirstRunAdmin>());
        services.AddSingleton<TokenCache>();
        services.AddSingleton<TokenWatchService>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenWatchService>());
        services.AddSingleton<HubSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<HubSessions>());
        return builder;
    }

    /// <summary>Tells a refused client when the limit that refused it lets it in again, when the limiter knows.</summary>
    public static void SetRetryAfter(this HttpResponse response, RateLimitLease lease)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Authentication, antiforgery for cookie writes, authorization, rate limits; in that order.</summary>
    public static WebApplication UseVanguardHubSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(RequireAntiforgeryOnCookieWrites);
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// A browser sends the session cookie with any request to this site, even one a hostile page makes it send; a write
    /// made with the cookie must also carry the antiforgery token only this site's own pages can read. Bearer tokens are
    /// never sent by a browser on its own, so token writes need no such proof.
    /// </summary>
    private static async Task RequireAntiforgeryOnCookieWrites(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments("/api/auth/login")
            && context.User.SignedInWithCookie())
        {
            try
            {
                await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context);
            }
            catch (AntiforgeryValidationException)
            {
                await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Antiforgery token missing or invalid",
                    $"A write made with a session cookie must carry the {AntiforgeryHeader} header from GET /api/auth/me.", AntiforgeryHeader);
                return;
            }
        }

        await next(context);
    }

    /// <summary>A session ends when its account is disabled or its password reset.</summary>
    private static async Task ValidateSession(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var account = name is null ? null : await context.HttpContext.RequestServices.GetRequiredService<IGrainFactory>()
            .GetGrain<IAccountsGrain>(Accounts.Key).Find(name);
        if (account is null || account.Disabled
            || context.Principal!.FindFirst(Identity.StampClaim)?.Value != account.Stamp.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Schemes.Cookie);
        }
    }

    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

}

internal static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Pairing = "pairing";
}

/// <summary>Sign-in attempts per account name, whichever address they come from.</summary>
internal sealed class SignInThrottle(IOptions<SecurityOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.Value.SignInsPerMinutePerAccount),
            Window = TimeSpan.FromMinutes(1),
        }));

    public bool TryAttempt(string username, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(Accounts.Normalize(username));
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
