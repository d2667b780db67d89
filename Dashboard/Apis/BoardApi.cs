using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

internal static class BoardApi
{
    public static IEndpointRouteBuilder MapBoardApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/board", async (IGrainFactory grains) =>
            TypedResults.Ok(await grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot())).WithTags("Board").RequireAuthorization(Policies.Board);

        // The codes the API accepts, with their Chinese and English names, for forms and charts.
        app.MapGet("/api/catalog", () => TypedResults.Ok(new Catalog(ServiceDomains.All, Districts.All))).WithTags("Board").RequireAuthorization(Policies.Board);
        return app;
    }

    /// <summary>The body of GET /api/catalog.</summary>
    internal sealed record Catalog(IReadOnlyList<CatalogEntry> Domains, IReadOnlyList<CatalogEntry> Districts);
}
