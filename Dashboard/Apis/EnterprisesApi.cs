using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

internal static class EnterprisesApi
{
    public static IEndpointRouteBuilder MapEnterprisesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/enterprises").WithTags("Enterprises").RequireAuthorization(Policies.Read);
        group.MapGet("/", List);
        group.MapGet("/{enterpriseId}", Get);
        return app;
    }

    private static async Task<IResult> List(Roster roster, IGrainFactory grains)
    {
        var summaries = await Task.WhenAll(roster.Enterprises.Select(e => grains.GetGrain<IPartnerEnterpriseGrain>(e.Id).GetSummary()));
        return TypedResults.Ok(summaries.Select(s => new EnterpriseListItem(s.Profile, s.Totals.Total, s.AsOf)));
    }

    private static async Task<IResult> Get(string enterpriseId, Roster roster, IGrainFactory grains) =>
        roster.FindEnterprise(enterpriseId) is null
            ? Problems.NotFound("enterpriseId", "There is no partner enterprise with this id.")
            : TypedResults.Ok(await grains.GetGrain<IPartnerEnterpriseGrain>(enterpriseId).GetSummary());

    internal sealed record EnterpriseListItem(EnterpriseProfile Profile, ActivityTally Totals, DateTimeOffset AsOf);
}
