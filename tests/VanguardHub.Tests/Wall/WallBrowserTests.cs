using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using VanguardHub.Tests.Process;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Wall;

/// <summary>The wall page in a real browser, against the real app.</summary>
public sealed class WallBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const float Generous = ChromiumFixture.Generous;
    private readonly IBrowser _browser = chromium.Browser;
    private readonly List<string> _violations = [];

    private async Task<IPage> OpenWall(Uri address, string query = "")
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } });
        page.Dialog += (_, dialog) => throw new InvalidOperationException($"The page opened a dialog: {dialog.Message}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                _violations.Add(message.Text);
            }
        };
        await page.GotoAsync(new Uri(address, $"/wall{query}").ToString());
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        return page;
    }

    [Fact]
    public async Task The_wall_shows_a_logged_activity_live_and_user_text_only_as_text()
    {
        await using var factory = new LiveDashboardFactory();
        using var client = new HttpClient { BaseAddress = factory.Address };
        var page = await OpenWall(factory.Address);
        var before = await Total(page);

        var activity = Activity(Dianchi, domain: "ecology", district: "xishan", residents: 25, title: "滇池蓝藻巡查");
        (await client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        var hostile = Activity(RedPomegranate, title: "<img src=x onerror=alert(1)>");
        (await client.PostActivity(hostile)).StatusCode.Should().Be(HttpStatusCode.Created);

        var item = page.Locator($"[data-activity-id='{activity.Id}']");
        await Assertions.Expect(item).ToContainTextAsync("滇池蓝藻巡查", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((before + 2).ToString("N0"), new() { Timeout = Generous });

        var hostileTitle = page.Locator($"[data-activity-id='{hostile.Id}'] .feed-title");
        await Assertions.Expect(hostileTitle).ToHaveTextAsync("<img src=x onerror=alert(1)>", new() { Timeout = Generous });
        (await page.Locator("#wall-feed img").CountAsync()).Should().Be(0, "a title is text, never markup");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("wall.png"), FullPage = false });
        await Assertions.Expect(page.Locator("#wall-feed")).ToBeVisibleAsync();
        _violations.Should().BeEmpty("the wall runs under the strict Content-Security-Policy the server sends");
    }

    [Fact]
    public async Task The_wall_reconnects_by_itself_after_the_server_restarts_and_shows_the_new_figures()
    {
        using var folder = new TempFolder();
        var port = FreePorts.Next();
        var serviceId = $"wall-{Guid.NewGuid():N}";
        await using var first = await DashboardProcess.StartAsync(folder.Path, port, serviceId);
        var page = await OpenWall(first.Address, "?kiosk=1");
        using (var client = new HttpClient { BaseAddress = first.Address })
        {
            (await client.PostActivity(Activity(KeyEnterprises, domain: "industry"))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync("1", new() { Timeout = Generous });

        first.KillHard();
        await Assertions.Expect(page.Locator("#connection-state")).Not.ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });

        await using var second = await DashboardProcess.StartAsync(folder.Path, port, serviceId);
        var activity = Activity(Dianchi, domain: "ecology", title: "重启后的巡查");
        using (var client = new HttpClient { BaseAddress = second.Address })
        {
            (await client.PostAsJsonAsync("/api/activities", Body(activity))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator($"[data-activity-id='{activity.Id}']")).ToContainTextAsync("重启后的巡查", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync("2", new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("wall-after-restart.png") });
    }

    private static async Task<int> Total(IPage page)
    {
        await Assertions.Expect(page.Locator("#total-activities")).Not.ToBeEmptyAsync(new() { Timeout = Generous });
        return int.Parse((await page.Locator("#total-activities").TextContentAsync())!.Replace(",", ""));
    }
}
