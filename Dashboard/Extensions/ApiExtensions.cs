using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Rewrite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace VanguardHub.Dashboard.Extensions;

internal static class ApiExtensions
{
    /// <summary>Path and query together; nothing this service serves needs more.</summary>
    public const int MaxUrlLength = 4096;

    public static IHostApplicationBuilder AddVanguardHubApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<TransientFailures>();

        // Behind a reverse proxy on this machine (nginx in front of a cluster's nodes), the client's address is in
        // X-Forwarded-For; it is trusted from loopback proxies only, so rate limits per address still see the client.
        builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(options =>
            options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto);

        // Nothing this service accepts is large; an activity is capped lower still (64 KiB).
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;

            // Kestrel itself answers an over-long request line with a bare 414; let it through to MaxUrlLength, where the answer is a ProblemDetails.
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
        });
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;

            // Input is read strictly: a field the API does not know, or one named twice, is an error the sender hears about.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.AllowDuplicateProperties = false;
        });
        return builder;
    }

    /// <summary>Errors as ProblemDetails; the pages (the wall at "/" and "/wall", "/log", "/teams/{id}", "/enterprises/{id}", "/districts/{code}", "/domains/{code}", "/compare"); static files.</summary>
    public static WebApplication UseVanguardHubEdge(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxUrlLength)
            {
                return Problems.WriteAsync(context, StatusCodes.Status414UriTooLong, "Address too long", $"An address can be at most {MaxUrlLength} characters.");
            }

            return next(context);
        });
        // Pages and their files only: the API, the hub and the probes skip the page rules and the file lookups.
        app.UseWhen(context => IsPage(context.Request.Path), pages => pages.UseRewriter(new RewriteOptions()
            .AddRewrite("^$", "wall.html", skipRemainingRules: true)
            .AddRewrite("^wall/?$", "wall.html", skipRemainingRules: true)
            .AddRewrite("^log/?$", "log.html", skipRemainingRules: true)
            .AddRewrite("^login/?$", "login.html", skipRemainingRules: true)
            .AddRewrite("^admin/?$", "admin.html", skipRemainingRules: true)
            .AddRewrite("^teams/[a-z0-9-]{1,64}/?$", "team.html", skipRemainingRules: true)
            .AddRewrite("^enterprises/[a-z0-9-]{1,64}/?$", "enterprise.html", skipRemainingRules: true)
            .AddRewrite("^districts/[a-z-]{1,40}/?$", "district.html", skipRemainingRules: true)
            .AddRewrite("^domains/[a-z-]{1,40}/?$", "domain.html", skipRemainingRules: true)
            .AddRewrite("^compare/?$", "compare.html", skipRemainingRules: true))
            .UseStaticFiles());
        return app;
    }

    private static readonly string[] ServicePaths = ["/api", "/hubs", "/healthz", "/readyz", "/metrics", "/ops"];

    private static bool IsPage(PathString path) => !ServicePaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Says where the service can be reached, once it listens.</summary>
    public static WebApplication AnnounceAddresses(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is { Count: > 0 })
            {
                Console.WriteLine($"VanguardHub is running: {string.Join(", ", addresses)}");
            }
        });
        return app;
    }
}
