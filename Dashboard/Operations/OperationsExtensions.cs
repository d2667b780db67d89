using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Dashboard.Operations;

internal static class OperationsExtensions
{
    private const string Ready = "ready";

    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VanguardHubMetrics>();
        builder.Services.AddHealthChecks()
            .AddCheck<SiloReadiness>("silo", tags: [Ready])
            .AddCheck<StorageReadiness>("storage", tags: [Ready])
            .AddCheck<PushReadiness>("push", tags: [Ready])
            .AddCheck<AccountsReadiness>("accounts", tags: [Ready]);

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(VanguardHubMetrics.MeterName, StorageMetrics.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                // Each series keeps a table of this many label sets, allocated up front (the default, 2,000, is some
                // 20 MB over the Orleans, ASP.NET Core and runtime meters); none of them has more than a few dozen.
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = 256 })
                .AddPrometheusExporter());

        // Traces go out only where an OTLP collector is configured (OTEL_EXPORTER_OTLP_ENDPOINT).
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
            telemetry.WithMetrics(metrics => metrics.AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>/healthz: the process is alive. /readyz: silo, storage and push all answer. /metrics: Prometheus.</summary>
    public static WebApplication MapOperations(this WebApplication app)
    {
        // Probes answer anyone (a load balancer has no account); the metrics are for the operators' scraper, with an admin token.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = WriteReport }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Security.Policies.Admin);
        return app;
    }

    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }, JsonSerializerOptions.Web));
    }
}
