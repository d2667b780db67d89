using System.Collections.Immutable;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

/// <summary>
/// One district or one service domain across the city: its totals (from the city board), the teams that worked there
/// with their tallies (from each team's aggregates) and the latest activities there (from the teams' logs).
/// </summary>
internal static class PlacesApi
{
    /// <summary>
    /// Latest activities the answer lists, merged newest first over every team. Each team's log gives as many, since
    /// one team may have logged all of them.
    /// </summary>
    public const int RecentCount = 20;

    public static IEndpointRouteBuilder MapPlacesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/districts/{code}", District).WithTags("Places").RequireAuthorization(Policies.Read);
        app.MapGet("/api/domains/{code}", Domain).WithTags("Places").RequireAuthorization(Policies.Read);
        return app;
    }

    private static async Task<IResult> District(string code, Roster roster, IGrainFactory grains)
    {
        if (Districts.Find(code) is not { } entry)
        {
            return Problems.NotFound("code", $"There is no district \"{Shorten(code)}\"; use one of {string.Join(", ", Districts.All.Select(d => d.Code))}.");
        }

        return TypedResults.Ok(await Answer("district", entry, s => s.ByDistrict, a => a.ByDistrict, new TimelineQuery { District = code, Page = 1, PageSize = RecentCount }, roster, grains));
    }

    private static async Task<IResult> Domain(string code, Roster roster, IGrainFactory grains)
    {
        if (ServiceDomains.Find(code) is not { } entry)
        {
            return Problems.NotFound("code", $"There is no service domain \"{Shorten(code)}\"; use one of {string.Join(", ", ServiceDomains.All.Select(d => d.Code))}.");
        }

        return TypedResults.Ok(await Answer("domain", entry, s => s.ByDomain, a => a.ByDomain, new TimelineQuery { Domain = code, Page = 1, PageSize = RecentCount }, roster, grains));
    }

    private static async Task<PlaceAnswer> Answer(
        string kind,
        CatalogEntry entry,
        Func<BoardSnapshot, ImmutableDictionary<string, ActivityTally>> ofBoard,
        Func<TeamAggregates, ImmutableDictionary<string, ActivityTally>> ofTeam,
        TimelineQuery query,
        Roster roster,
        IGrainFactory grains)
    {
        var snapshotTask = grains.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();
        var summaries = await Task.WhenAll(roster.Teams.Select(t => grains.GetGrain<IServiceTeamGrain>(t.Id).GetSummary()));
        var snapshot = await snapshotTask;

        var teams = summaries
            .Select(s => (s.Profile, Tally: ofTeam(s.Aggregates).GetValueOrDefault(entry.Code) ?? ActivityTally.Zero))
            .Where(t => t.Tally.Activities > 0)
            .OrderByDescending(t => t.Tally.Activities)
            .ThenByDescending(t => t.Tally.Outcomes.ResidentsServed)
            .ThenBy(t => t.Profile.Id, StringComparer.Ordinal)
            .ToList();

        // Only the teams that worked there have anything to read from their logs.
        var pages = await Task.WhenAll(teams.Select(t => grains.GetGrain<IServiceTeamGrain>(t.Profile.Id).GetTimeline(query)));
        var names = teams.ToDictionary(t => t.Profile.Id, t => t.Profile, StringComparer.Ordinal);
        var recent = pages
            .SelectMany(p => p.Items)
            .OrderByDescending(a => a.OccurredAt)
            .ThenByDescending(a => a.RecordedAt)
            .ThenBy(a => a.Id)
            .Take(RecentCount)
            .Select(a => new FeedItem { Activity = a, TeamNameZh = names[a.TeamId].NameZh, TeamNameEn = names[a.TeamId].NameEn })
            .ToList();

        return new PlaceAnswer(
            kind,
            entry.Code,
            entry.NameZh,
            entry.NameEn,
            ofBoard(snapshot).GetValueOrDefault(entry.Code) ?? ActivityTally.Zero,
            snapshot.AsOf,
            [.. teams.Select(t => new PlaceTeam(t.Profile.Id, t.Profile.NameZh, t.Profile.NameEn, t.Profile.Members, t.Tally))],
            recent);
    }

    private static string Shorten(string text) => text.Length > 64 ? text[..64] : text;

    internal sealed record PlaceAnswer(
        string Kind,
        string Code,
        string NameZh,
        string NameEn,
        ActivityTally Totals,
        DateTimeOffset AsOf,
        IReadOnlyList<PlaceTeam> Teams,
        IReadOnlyList<FeedItem> Recent);

    internal sealed record PlaceTeam(string TeamId, string NameZh, string NameEn, int Members, ActivityTally Tally);
}
