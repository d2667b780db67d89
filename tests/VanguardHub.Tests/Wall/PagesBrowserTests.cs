using System.Net;
using Microsoft.Playwright;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Wall;

/// <summary>The team leaders' logging page and the drill-down pages, in a real browser against the real app.</summary>
public sealed class PagesBrowserTests(LiveDashboardFactory factory, ChromiumFixture chromium)
    : IClassFixture<LiveDashboardFactory>, IClassFixture<ChromiumFixture>, IDisposable
{
    private const float Generous = ChromiumFixture.Generous;
    private readonly HttpClient _client = new() { BaseAddress = factory.Address };
    private readonly IBrowser _browser = chromium.Browser;

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_team_leader_logs_an_activity_from_a_phone_and_it_is_saved_once()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(new Uri(factory.Address, $"/log?team={Dianchi}").ToString());
        await Assertions.Expect(page.Locator("#field-team")).ToHaveValueAsync(Dianchi, new() { Timeout = Generous });
        var before = await TeamActivities(Dianchi);

        await page.Locator("#field-title").FillAsync("滇池西岸蓝藻巡查");
        await page.Locator("#field-participants").FillAsync("6");
        await page.Locator("#field-residentsServed").FillAsync("18");
        await page.Locator("#submit").ClickAsync();

        var saved = page.Locator("#outbox [data-state='saved']").Filter(new() { HasText = "滇池西岸蓝藻巡查" });
        await Assertions.Expect(saved).ToHaveCountAsync(1, new() { Timeout = Generous });
        (await TeamActivities(Dianchi)).Should().Be(before + 1);
        var id = Guid.Parse((await saved.GetAttributeAsync("data-id"))!);
        var stored = await _client.GetJson($"/api/activities/{id}");
        stored["outcomes"]!["residentsServed"]!.GetValue<int>().Should().Be(18);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("log.png"), FullPage = true });
    }

    [Fact]
    public async Task An_activity_logged_offline_waits_on_the_phone_and_is_counted_once_when_the_network_returns()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(factory.Address, $"/log?team={KeyEnterprises}").ToString());
        await Assertions.Expect(page.Locator("#field-team")).ToHaveValueAsync(KeyEnterprises, new() { Timeout = Generous });
        var before = await TeamActivities(KeyEnterprises);

        await context.SetOfflineAsync(true);
        await page.Locator("#field-title").FillAsync("离线登记的企业走访");
        await page.Locator("#submit").ClickAsync();
        var entry = page.Locator("#outbox [data-id]").Filter(new() { HasText = "离线登记的企业走访" });
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-state", "waiting", new() { Timeout = Generous });
        (await TeamActivities(KeyEnterprises)).Should().Be(before);

        await context.SetOfflineAsync(false);
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-state", "saved", new() { Timeout = Generous });
        (await TeamActivities(KeyEnterprises)).Should().Be(before + 1);

        // The page is reopened and resends nothing twice.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#outbox [data-id]").Filter(new() { HasText = "离线登记的企业走访" }))
            .ToHaveAttributeAsync("data-state", "saved", new() { Timeout = Generous });
        (await TeamActivities(KeyEnterprises)).Should().Be(before + 1);
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_logging_page_shows_the_servers_message_next_to_the_field_at_fault()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(new Uri(factory.Address, $"/log?team={RedPomegranate}").ToString());
        await Assertions.Expect(page.Locator("#field-team")).ToHaveValueAsync(RedPomegranate, new() { Timeout = Generous });

        await page.Locator("#field-title").FillAsync(new string('长', 201));
        await page.Locator("#submit").ClickAsync();

        await Assertions.Expect(page.Locator(".field-error[data-field='title']")).ToContainTextAsync("200", new() { Timeout = Generous });
    }

    [Fact]
    public async Task The_team_page_shows_the_teams_figures_and_timeline_and_updates_live()
    {
        var first = Activity("southernmost-kunming", domain: "urban", district: "mohan", title: "磨憨口岸规划踏勘", partners: [Yuneng]);
        (await _client.PostActivity(first)).StatusCode.Should().Be(HttpStatusCode.Created);
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        await page.GotoAsync(new Uri(factory.Address, "/teams/southernmost-kunming").ToString());

        await Assertions.Expect(page.Locator("#team-name")).ToContainTextAsync("绘就昆明最南端", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#timeline [data-activity-id='{first.Id}']")).ToContainTextAsync("磨憨口岸规划踏勘", new() { Timeout = Generous });
        var count = await TeamActivities("southernmost-kunming");
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync(count.ToString("N0"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });

        var second = Activity("southernmost-kunming", domain: "urban", district: "mohan", title: "不动产登记异地互办");
        (await _client.PostActivity(second)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((count + 1).ToString("N0"), new() { Timeout = Generous });

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("team.png") });
    }

    [Fact]
    public async Task The_enterprise_page_lists_the_teams_that_worked_with_it()
    {
        (await _client.PostActivity(Activity(KeyEnterprises, domain: "industry", district: "anning", partners: [KfcCoffee]))).StatusCode.Should().Be(HttpStatusCode.Created);
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(factory.Address, $"/enterprises/{KfcCoffee}").ToString());

        await Assertions.Expect(page.Locator("#enterprise-name")).ToContainTextAsync("肯德基", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#enterprise-teams [data-team-id='{KeyEnterprises}']")).ToBeVisibleAsync(new() { Timeout = Generous });
    }

    private async Task<int> TeamActivities(string teamId) =>
        (await _client.GetJson($"/api/teams/{teamId}"))["aggregates"]!["total"]!["activities"]!.GetValue<int>();
}
