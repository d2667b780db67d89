using VanguardHub.Contracts.Audit;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

internal static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(Policies.Admin);

        // Every aggregate against the sum over the stored logs.
        group.MapGet("/consistency", async (IGrainFactory grains) =>
            TypedResults.Ok(await grains.GetGrain<IConsistencyGrain>(0).Check()));

        // Recomputes every aggregate from the logs (the logs are the source of truth).
        group.MapPost("/rebuild", async (IGrainFactory grains, AuditTrail audit, HttpContext context) =>
        {
            var report = await grains.GetGrain<IConsistencyGrain>(0).Rebuild();
            await audit.Record(context.User, "aggregates.rebuild", "all");
            return TypedResults.Ok(report);
        });
        return app;
    }
}
