using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Wall;

/// <summary>The district, domain and comparison pages, and the wall's links and QR codes to them, in a real browser.</summary>
public sealed class DrillDownBrowserTests(LiveDashboardFactory factory, ChromiumFixture chromium)
    : IClassFixture<LiveDashboardFactory>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const float Generous = ChromiumFixture.Generous;
    private const string Viewer = "drill-viewer";
    private const string Password = "drill-viewer-password-2026";
    private readonly IBrowser _browser = chromium.Browser;
    private readonly List<string> _violations = [];
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = await factory.ClientAsync(Roles.Admin);
        await Sign.EnsureAccountAsync(await factory.Tokens.AdminSessionAsync(), Viewer, Password, Roles.Viewer);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _violations.Should().BeEmpty("every page runs under the strict Content-Security-Policy the server sends");
        return Task.CompletedTask;
    }

    private string Origin => factory.Address.GetLeftPart(UriPartial.Authority);

    private async Task<IPage> OpenAs(string path, int width = 1440, int height = 1000)
    {
        var context = await _browser.SignedInAsync(factory.Address, Viewer, Password, width, height);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, path).ToString());
        return page;
    }

    /// <summary>The wall in kiosk mode on a paired display (its device token in local storage), once live.</summary>
    private async Task<IPage> OpenKioskWall()
    {
        var page = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/about.html").ToString());
        await page.EvaluateAsync("token => localStorage.setItem('vanguardhub.wall.token', token)", await factory.Tokens.TokenAsync(Roles.Wall));
        await page.GotoAsync(new Uri(factory.Address, "/wall?kiosk=1").ToString());
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        return page;
    }

    [Fact]
    public async Task The_district_page_shows_a_logged_activity_and_the_team_that_did_it()
    {
        var activity = Activity(Dianchi, domain: "ecology", district: "luquan", residents: 31, title: "禄劝水源地巡护");
        (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Poll.Until(async () => (await _client.GetJson("/api/districts/luquan"))["totals"]!["activities"]!.GetValue<int>() > 0);
        var total = (await _client.GetJson("/api/districts/luquan"))["totals"]!["activities"]!.GetValue<int>();

        var page = await OpenAs("/districts/luquan");

        await Assertions.Expect(page.Locator("#place-name")).ToContainTextAsync("禄劝", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#place-activities [data-activity-id='{activity.Id}']")).ToContainTextAsync("禄劝水源地巡护", new() { Timeout = Generous });
        var team = page.Locator($"#place-teams [data-team-id='{Dianchi}']");
        await Assertions.Expect(team).ToBeVisibleAsync(new() { Timeout = Generous });
        await Assertions.Expect(team.Locator("a")).ToHaveAttributeAsync("href", $"/teams/{Dianchi}");
        await Assertions.Expect(page.Locator("#place-total-activities")).ToHaveTextAsync(total.ToString("N0"), new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("district.png"), FullPage = true });

        // The same activity on its service domain's page, in English (the page and its session bar read the language
        // alike, whatever its case).
        await page.GotoAsync(new Uri(factory.Address, "/domains/ecology?lang=EN").ToString());
        await Assertions.Expect(page.Locator("#place-name")).ToHaveTextAsync("Ecological protection", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#session-bar")).ToContainTextAsync("Signed in as", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#place-teams [data-team-id='{Dianchi}']")).ToBeVisibleAsync(new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#place-activities [data-activity-id='{activity.Id}']")).ToBeVisibleAsync(new() { Timeout = Generous });

        // An unknown code says so instead of showing an empty page.
        await page.GotoAsync(new Uri(factory.Address, "/districts/atlantis").ToString());
        await Assertions.Expect(page.Locator("#page-message")).ToContainTextAsync("没有这个区县", new() { Timeout = Generous });
    }

    [Fact]
    public async Task The_compare_page_shows_three_teams_side_by_side_and_the_pickers_add_and_remove_teams()
    {
        (await _client.PostActivity(Activity(KeyEnterprises, domain: "industry", district: "anning"))).StatusCode.Should().Be(HttpStatusCode.Created);
        string[] teams = [RedPomegranate, KeyEnterprises, Dianchi];

        var page = await OpenAs($"/compare?teams={string.Join(',', teams)}");

        var columns = page.Locator("#compare-table thead th[data-team-id]");
        await Assertions.Expect(columns).ToHaveCountAsync(3, new() { Timeout = Generous });
        for (var i = 0; i < teams.Length; i++)
        {
            await Assertions.Expect(columns.Nth(i)).ToHaveAttributeAsync("data-team-id", teams[i]);
        }

        await Assertions.Expect(page.Locator("#compare-table tbody tr[data-metric='activities'] td[data-team-id]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator($"#compare-table tbody tr[data-metric='perMember'] td[data-team-id='{KeyEnterprises}']")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#compare-chart canvas")).ToHaveCountAsync(1, new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("compare.png"), FullPage = true });

        await page.Locator("#compare-add").SelectOptionAsync("southernmost-kunming");
        await Assertions.Expect(columns).ToHaveCountAsync(4, new() { Timeout = Generous });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("teams=red-pomegranate,key-enterprise-development,dianchi-protection,southernmost-kunming"));
        await Assertions.Expect(page.Locator("#compare-add")).ToBeDisabledAsync();

        await page.Locator($"#compare-table thead th[data-team-id='{KeyEnterprises}'] .compare-remove").ClickAsync();
        await Assertions.Expect(columns).ToHaveCountAsync(3, new() { Timeout = Generous });
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("teams=red-pomegranate,dianchi-protection,southernmost-kunming"));
    }

    [Fact]
    public async Task The_kiosk_wall_shows_a_qr_code_per_panel_leading_to_its_page_and_verified_figures()
    {
        var activity = Activity(RedPomegranate, domain: "governance", district: "xundian", partners: [KfcCoffee], title: "寻甸民族团结进社区");
        (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        (await _client.PostAsync($"/api/activities/{activity.Id}/verify", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        var board = await Poll.Until(async () =>
        {
            var now = await _client.GetJson("/api/board");
            return now["verified"]!["activities"]!.GetValue<int>() >= 1 ? now : null;
        });

        var page = await OpenKioskWall();

        var codes = page.Locator(".panel-qr[data-url]");
        await Assertions.Expect(codes).ToHaveCountAsync(7, new() { Timeout = Generous });
        var urls = await codes.EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.dataset.url)");
        urls.Should().OnlyContain(u => u.StartsWith(Origin + "/"), "a phone opens the page on this service");
        await Assertions.Expect(page.Locator("#wall-districts .panel-qr")).ToHaveAttributeAsync("data-url", new Regex($"^{Regex.Escape(Origin)}/districts/[a-z-]+$"));
        await Assertions.Expect(page.Locator("#wall-domains .panel-qr")).ToHaveAttributeAsync("data-url", new Regex($"^{Regex.Escape(Origin)}/domains/[a-z-]+$"));
        await Assertions.Expect(page.Locator("#wall-totals .panel-qr")).ToHaveAttributeAsync("data-url", new Regex($"^{Regex.Escape(Origin)}/compare\\?teams=[a-z0-9-]+(,[a-z0-9-]+){{3}}$"));
        await Assertions.Expect(page.Locator("#wall-partners .panel-qr")).ToHaveAttributeAsync("data-url", new Regex($"^{Regex.Escape(Origin)}/enterprises/"));
        await Assertions.Expect(page.Locator("#wall-race .panel-qr")).ToHaveAttributeAsync("data-url", new Regex($"^{Regex.Escape(Origin)}/teams/"));
        await Assertions.Expect(page.Locator("#wall-districts .panel-qr")).ToBeVisibleAsync(new() { Timeout = Generous });
        (await page.Locator("#wall-districts .panel-qr").GetAttributeAsync("src")).Should().StartWith("data:image/gif;base64,", "qrcode-generator draws the code as a GIF");
        (await page.Locator(".panel-link:visible").CountAsync()).Should().Be(0, "nothing on a kiosk is for clicking");

        var verified = board["verified"]!["activities"]!.GetValue<int>();
        await Assertions.Expect(page.Locator("#verified-activities")).ToHaveTextAsync($"已核实 {verified:N0}", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#race-list [data-team-id='{RedPomegranate}'] .race-verified")).ToContainTextAsync("核实", new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("wall-kiosk-qr.png") });

        // Without kiosk mode the same panels are links to the same pages.
        var clickable = await OpenAs("/wall", 1920, 1080);
        await Assertions.Expect(clickable.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        await Assertions.Expect(clickable.Locator("#wall-districts .panel-link")).ToHaveAttributeAsync("href", new Regex("^/districts/[a-z-]+$"), new() { Timeout = Generous });
        await Assertions.Expect(clickable.Locator("#wall-totals .panel-link")).ToHaveAttributeAsync("href", new Regex("^/compare\\?teams="));
        await Assertions.Expect(clickable.Locator($"#wall-partners [data-enterprise-id='{KfcCoffee}'] a")).ToHaveAttributeAsync("href", $"/enterprises/{KfcCoffee}");
        await Assertions.Expect(clickable.Locator($"#race-list [data-team-id='{RedPomegranate}'] a")).ToHaveAttributeAsync("href", $"/teams/{RedPomegranate}");
        (await clickable.Locator(".panel-qr").CountAsync()).Should().Be(0);

        await clickable.Locator("#wall-districts .panel-link").ClickAsync();
        await Assertions.Expect(clickable).ToHaveURLAsync(new Regex("/districts/[a-z-]+$"), new() { Timeout = Generous });
        await Assertions.Expect(clickable.Locator("#place-teams [data-team-id]").First).ToBeVisibleAsync(new() { Timeout = Generous });
    }

    [Fact]
    public async Task A_kiosk_qr_code_keeps_its_address_while_a_phone_reads_it_then_follows_the_wall()
    {
        var page = await OpenKioskWall();
        var feedCode = page.Locator("#wall-feed .panel-qr");

        // The feed's code leads to the newest activity's team: once the hold of the code shown at load has run out.
        var first = Activity(Dianchi, domain: "ecology", district: "luquan", title: "滇池湿地巡护");
        (await _client.PostActivity(first)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Assertions.Expect(feedCode).ToHaveAttributeAsync("data-url", $"{Origin}/teams/{Dianchi}", new() { Timeout = Generous });
        await Assertions.Expect(feedCode).ToHaveAttributeAsync("src", new Regex("^data:image/gif;base64,"), new() { Timeout = Generous });
        var drawn = await feedCode.GetAttributeAsync("src");

        // Another team's activity tops the feed at once; the code a phone may be reading stays as it is.
        var second = Activity(KeyEnterprises, domain: "industry", district: "anning", title: "安宁园区企业走访");
        (await _client.PostActivity(second)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Assertions.Expect(page.Locator($"#feed-list [data-activity-id='{second.Id}']")).ToBeVisibleAsync(new() { Timeout = Generous });
        (await feedCode.GetAttributeAsync("data-url")).Should().Be($"{Origin}/teams/{Dianchi}", "a phone needs a steady code to read it");
        (await feedCode.GetAttributeAsync("src")).Should().Be(drawn);

        // Then it follows the feed (the hold is 10 s).
        await Assertions.Expect(feedCode).ToHaveAttributeAsync("data-url", $"{Origin}/teams/{KeyEnterprises}", new() { Timeout = Generous });
        await Assertions.Expect(feedCode).Not.ToHaveAttributeAsync("src", drawn!, new() { Timeout = Generous });
    }
}
