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

    /// <summary>
    /// Every partner enterprise with its totals; with <c>teamId</c>, only those that team worked with, each with the
    /// team's part of its figures (<c>team</c>), the team's most frequent partners first.
    /// </summary>
    private static async Task<IResult> List(string? teamId, Roster roster, IGrainFactory grains)
    {
        if (teamId is not null && roster.FindTeam(teamId) is null)
        {
            return Problems.Invalid("teamId", "There is no such team.");
        }

        var summaries = await Task.WhenAll(roster.Enterprises.Select(e => grains.GetGrain<IPartnerEnterpriseGrain>(e.Id).GetSummary()));
        if (teamId is null)
        {
            return TypedResults.Ok(summaries.Select(s => new EnterpriseListItem(s.Profile, s.Totals.Total, s.AsOf)));
        }

        return TypedResults.Ok(summaries
            .Select(s => (Summary: s, Team: s.Totals.ByTeam.GetValueOrDefault(teamId)))
            .Where(x => x.Team is { Activities: > 0 })
            .OrderByDescending(x => x.Team!.Activities)
            .ThenBy(x => x.Summary.Profile.Id, StringComparer.Ordinal)
            .Select(x => new TeamPartnerItem(x.Summary.Profile, x.Summary.Totals.Total, x.Team!, x.Summary.AsOf)));
    }

    private static async Task<IResult> Get(string enterpriseId, Roster roster, IGrainFactory grains) =>
        roster.FindEnterprise(enterpriseId) is null
            ? Problems.NotFound("enterpriseId", "There is no partner enterprise with this id.")
            : TypedResults.Ok(await grains.GetGrain<IPartnerEnterpriseGrain>(enterpriseId).GetSummary());

    internal sealed record EnterpriseListItem(EnterpriseProfile Profile, ActivityTally Totals, DateTimeOffset AsOf);

    internal sealed record TeamPartnerItem(EnterpriseProfile Profile, ActivityTally Totals, ActivityTally Team, DateTimeOffset AsOf);
}
