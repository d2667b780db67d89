using System.IO.Compression;
using System.Net;
using System.Text;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Api;

public sealed class ExportsApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncLifetime
{
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await factory.ClientAsync(Roles.Admin);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Activities_export_as_csv_with_chinese_headers_filtered_by_team_district_domain_and_dates()
    {
        var march = new DateTimeOffset(2026, 3, 10, 10, 0, 0, BeijingTime.Offset);
        var wanted = Activity(Dianchi, occurredAt: march, domain: "ecology", district: "xishan", title: "滇池巡查, 西岸");
        var hostile = Activity(Dianchi, occurredAt: march.AddDays(1), domain: "ecology", district: "xishan", title: "=HYPERLINK(\"http://x\")");
        var otherDistrict = Activity(Dianchi, occurredAt: march, domain: "ecology", district: "guandu");
        var otherDomain = Activity(Dianchi, occurredAt: march, domain: "governance", district: "xishan");
        var otherMonth = Activity(Dianchi, occurredAt: march.AddMonths(1), domain: "ecology", district: "xishan");
        foreach (var activity in new[] { wanted, hostile, otherDistrict, otherDomain, otherMonth })
        {
            (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var response = await _client.GetAsync($"/api/exports/activities.csv?teamId={Dianchi}&district=xishan&domain=ecology&from=2026-03-01&to=2026-03-31");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).Should().Equal(0xEF, 0xBB, 0xBF);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("活动编号,服务队,发生时间（北京时间）,服务领域,区县");
        lines.Should().HaveCount(3);
        lines[1].Should().Contain(hostile.Id.ToString()).And.Contain("\"'=HYPERLINK(\"\"http://x\"\")\"");
        lines[2].Should().Contain(wanted.Id.ToString()).And.Contain("\"滇池巡查, 西岸\"").And.Contain("滇池保护治理先锋服务队").And.Contain("2026-03-10 10:00");
    }

    [Fact]
    public async Task The_monthly_summary_per_team_exports_as_xlsx()
    {
        var april = new DateTimeOffset(2026, 4, 3, 9, 0, 0, BeijingTime.Offset);
        await _client.PostActivity(Activity(RedPomegranate, occurredAt: april, residents: 40));
        await _client.PostActivity(Activity(RedPomegranate, occurredAt: april.AddDays(2), residents: 2));

        var response = await _client.GetAsync("/api/exports/monthly.xlsx?month=2026-04");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        using var workbook = new ZipArchive(await response.Content.ReadAsStreamAsync());
        var sheet = workbook.Entries.Single(e => e.FullName.StartsWith("xl/worksheets/", StringComparison.Ordinal));
        using var reader = new StreamReader(sheet.Open());
        var xml = await reader.ReadToEndAsync();
        xml.Should().Contain("月份").And.Contain("红石榴服务队").And.Contain(">42<");
    }

    [Theory]
    [InlineData("/api/exports/activities.pdf", "format")]
    [InlineData("/api/exports/activities.csv?district=beijing", "district")]
    [InlineData("/api/exports/activities.csv?from=tomorrow", "from")]
    [InlineData("/api/exports/monthly.csv?month=2026-13", "month")]
    public async Task Bad_export_requests_get_400_naming_the_parameter(string url, string field)
    {
        var response = await _client.GetAsync(url);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().Contain(field);
    }
}
