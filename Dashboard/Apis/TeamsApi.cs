using System.Globalization;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Activities;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

internal static class TeamsApi
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/teams").WithTags("Teams").RequireAuthorization(Policies.Read);
        group.MapGet("/", List);
        group.MapGet("/{teamId}", Get);
        group.MapGet("/{teamId}/activities", Timeline);
        return app;
    }

    private static async Task<IResult> List(Roster roster, IGrainFactory grains)
    {
        var summaries = await Task.WhenAll(roster.Teams.Select(t => grains.GetGrain<IServiceTeamGrain>(t.Id).GetSummary()));
        return TypedResults.Ok(summaries.Select(s => new TeamListItem(s.Profile, s.Aggregates.Total, s.LastActivityAt, s.AsOf)));
    }

    private static async Task<IResult> Get(string teamId, Roster roster, IGrainFactory grains) =>
        roster.FindTeam(teamId) is null
            ? UnknownTeam(teamId)
            : TypedResults.Ok(await grains.GetGrain<IServiceTeamGrain>(teamId).GetSummary());

    private static async Task<IResult> Timeline(
        string teamId, string? from, string? to, string? domain, string? page, string? pageSize, Roster roster, IGrainFactory grains)
    {
        if (roster.FindTeam(teamId) is null)
        {
            return UnknownTeam(teamId);
        }

        var errors = new Dictionary<string, string[]>();
        var fromInstant = ParseBound(from, "from", isUpper: false, errors);
        var toInstant = ParseBound(to, "to", isUpper: true, errors);
        if (fromInstant is not null && toInstant is not null && fromInstant >= toInstant)
        {
            errors["to"] = ["\"to\" must be after \"from\"."];
        }

        if (domain is not null && !ServiceDomains.IsKnown(domain))
        {
            errors["domain"] = [$"Unknown service domain; use one of {string.Join(", ", ServiceDomains.All.Select(d => d.Code))}."];
        }

        var pageNumber = ParseInt(page, "page", 1, 1, 1_000_000, errors);
        var size = ParseInt(pageSize, "pageSize", 20, 1, MaxPageSize, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var result = await grains.GetGrain<IServiceTeamGrain>(teamId).GetTimeline(new TimelineQuery
        {
            From = fromInstant,
            To = toInstant,
            Domain = domain,
            Page = pageNumber,
            PageSize = size,
        });
        return TypedResults.Ok(result);
    }

    /// <summary>A day "2026-11-25" (Beijing time; "to" includes that whole day) or an instant with an offset.</summary>
    internal static DateTimeOffset? ParseBound(string? text, string field, bool isUpper, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        // The calendar's first and last days have no Beijing-time boundary a DateTimeOffset can hold: they are refused below.
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && day > DateOnly.MinValue && day < DateOnly.MaxValue)
        {
            return BeijingTime.StartOfDay(isUpper ? day.AddDays(1) : day);
        }

        if (ActivityValidation.TryParseInstant(text, out var instant))
        {
            return instant;
        }

        errors[field] = ["Use a date (2026-11-25) or an ISO 8601 time with an offset."];
        return null;
    }

    private static int ParseInt(string? text, string field, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[field] = [$"Must be a whole number from {min} to {max}."];
        return fallback;
    }

    private static IResult UnknownTeam(string teamId) =>
        Problems.NotFound("teamId", $"There is no team \"{(teamId.Length > 64 ? teamId[..64] : teamId)}\".");

    internal sealed record TeamListItem(TeamProfile Profile, Contracts.Activities.ActivityTally Totals, DateTimeOffset? LastActivityAt, DateTimeOffset AsOf);
}
