using System.Globalization;
using System.Text;
using SpreadCheetah;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Teams;
using VanguardHub.Dashboard.Extensions;
using VanguardHub.Dashboard.Security;

namespace VanguardHub.Dashboard.Apis;

/// <summary>
/// Reports for leadership: the activities (filtered by team, district, domain and Beijing date range) and a monthly
/// summary per team, as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese right) or .xlsx.
/// </summary>
internal static class ExportsApi
{
    private const int PageSize = 500;

    private static readonly string[] ActivityHeaders =
    [
        "活动编号", "服务队", "发生时间（北京时间）", "服务领域", "区县", "地点", "标题", "内容", "参与人数",
        "入户走访", "服务群众", "服务企业", "解决问题", "化解纠纷", "政策宣讲", "落地项目", "共建企业", "登记时间（北京时间）",
    ];

    private static readonly string[] MonthlyHeaders =
    [
        "月份", "服务队", "牵头单位", "队员人数", "活动场次", "参与人次",
        "入户走访", "服务群众", "服务企业", "解决问题", "化解纠纷", "政策宣讲", "落地项目",
    ];

    public static IEndpointRouteBuilder MapExportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/exports").WithTags("Exports").RequireAuthorization(Policies.Read);
        group.MapGet("/activities.{format}", Activities);
        group.MapGet("/monthly.{format}", Monthly);
        return app;
    }

    private static async Task<IResult> Activities(
        string format, string? teamId, string? district, string? domain, string? from, string? to, Roster roster, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        if (format is not ("csv" or "xlsx"))
        {
            errors["format"] = ["Use activities.csv or activities.xlsx."];
        }

        if (teamId is not null && roster.FindTeam(teamId) is null)
        {
            errors["teamId"] = ["There is no such team."];
        }

        if (district is not null && !Districts.IsKnown(district))
        {
            errors["district"] = ["Unknown district."];
        }

        if (domain is not null && !ServiceDomains.IsKnown(domain))
        {
            errors["domain"] = ["Unknown service domain."];
        }

        var fromInstant = TeamsApi.ParseBound(from, "from", isUpper: false, errors);
        var toInstant = TeamsApi.ParseBound(to, "to", isUpper: true, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var query = new TimelineQuery { From = fromInstant, To = toInstant, Domain = domain, District = district, PageSize = PageSize };
        var teams = teamId is null ? roster.Teams.Select(t => t.Id) : [teamId];
        var perTeam = await Task.WhenAll(teams.Select(id => AllMatching(grains.GetGrain<IServiceTeamGrain>(id), query)));
        var rows = perTeam.SelectMany(r => r)
            .OrderByDescending(a => a.OccurredAt)
            .Select(a => ActivityRow(a, roster))
            .ToList();
        return await File(format, $"vanguardhub-activities-{DateTime.UtcNow:yyyyMMdd}", "活动明细", ActivityHeaders, rows);
    }

    private static async Task<IResult> Monthly(string format, string? month, Roster roster, IGrainFactory grains)
    {
        if (format is not ("csv" or "xlsx"))
        {
            return Problems.Invalid("format", "Use monthly.csv or monthly.xlsx.");
        }

        var beijingNow = BeijingTime.ToBeijing(DateTimeOffset.UtcNow);
        var monthText = month ?? $"{beijingNow.Year:D4}-{beijingNow.Month:D2}";
        if (!DateOnly.TryParseExact(monthText + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return Problems.Invalid("month", "Use a month like 2026-11.");
        }

        var start = BeijingTime.StartOfDay(first);
        var query = new TimelineQuery { From = start, To = start.AddMonths(1), PageSize = PageSize };
        var perTeam = await Task.WhenAll(roster.Teams.Select(async team =>
            (team, tally: (await AllMatching(grains.GetGrain<IServiceTeamGrain>(team.Id), query)).Aggregate(ActivityTally.Zero, (sum, a) => sum + ActivityTally.Of(a)))));
        var rows = perTeam
            .OrderByDescending(x => x.tally.Activities)
            .ThenBy(x => x.team.Id, StringComparer.Ordinal)
            .Select(x => new object?[]
            {
                monthText, x.team.NameZh, string.Join("；", x.team.LeadUnitsZh), x.team.Members, x.tally.Activities, x.tally.Participants,
                x.tally.Outcomes.HouseholdsVisited, x.tally.Outcomes.ResidentsServed, x.tally.Outcomes.EnterprisesServed, x.tally.Outcomes.ProblemsSolved,
                x.tally.Outcomes.DisputesMediated, x.tally.Outcomes.PolicySessions, x.tally.Outcomes.ProjectsLanded,
            })
            .ToList();
        return await File(format, $"vanguardhub-monthly-{monthText}", "月度汇总", MonthlyHeaders, rows);
    }

    private static async Task<List<ActivityRecord>> AllMatching(IServiceTeamGrain team, TimelineQuery query)
    {
        var all = new List<ActivityRecord>();
        for (var page = 1; ; page++)
        {
            var result = await team.GetTimeline(query with { Page = page });
            all.AddRange(result.Items);
            if (all.Count >= result.Total || result.Items.Length == 0)
            {
                return all;
            }
        }
    }

    private static object?[] ActivityRow(ActivityRecord a, Roster roster) =>
    [
        a.Id.ToString(), roster.FindTeam(a.TeamId)?.NameZh ?? a.TeamId, BeijingTime.ToBeijing(a.OccurredAt).ToString("yyyy-MM-dd HH:mm"),
        ServiceDomains.Find(a.Domain)?.NameZh ?? a.Domain, Districts.Find(a.District)?.NameZh ?? a.District, a.Place, a.Title, a.Description,
        a.Participants, a.Outcomes.HouseholdsVisited, a.Outcomes.ResidentsServed, a.Outcomes.EnterprisesServed, a.Outcomes.ProblemsSolved,
        a.Outcomes.DisputesMediated, a.Outcomes.PolicySessions, a.Outcomes.ProjectsLanded,
        string.Join("；", a.Partners.Select(p => roster.FindEnterprise(p)?.NameZh ?? p)),
        BeijingTime.ToBeijing(a.RecordedAt).ToString("yyyy-MM-dd HH:mm:ss"),
    ];

    private static async Task<IResult> File(string format, string name, string sheet, string[] headers, List<object?[]> rows)
    {
        var buffer = new MemoryStream();
        if (format == "csv")
        {
            await using (var writer = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true))
            {
                await writer.WriteAsync(CsvLine(headers));
                foreach (var row in rows)
                {
                    await writer.WriteAsync(CsvLine(row.Select(cell => cell is string text ? Defused(text) : Convert.ToString(cell, CultureInfo.InvariantCulture))));
                }
            }

            return TypedResults.File(buffer.ToArray(), "text/csv; charset=utf-8", $"{name}.csv");
        }

        await using (var spreadsheet = await Spreadsheet.CreateNewAsync(buffer))
        {
            await spreadsheet.StartWorksheetAsync(sheet);
            await spreadsheet.AddRowAsync(headers.Select(h => new Cell(h)).ToArray());
            foreach (var row in rows)
            {
                // Cells are typed values, never formulas: what people typed stays text.
                await spreadsheet.AddRowAsync(row.Select(cell => cell switch
                {
                    int number => new Cell(number),
                    string text => new Cell(text),
                    _ => new Cell(cell?.ToString()),
                }).ToArray());
            }

            await spreadsheet.FinishAsync();
        }

        return TypedResults.File(buffer.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{name}.xlsx");
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; lines end in CRLF.</summary>
    private static string CsvLine(IEnumerable<string?> fields) =>
        string.Join(',', fields.Select(f => f is null ? "" : f.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{f.Replace("\"", "\"\"")}\"" : f)) + "\r\n";

    /// <summary>A spreadsheet would run a CSV field that starts like a formula; text typed by people must stay text.</summary>
    private static string Defused(string text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
