using System.Net;
using Microsoft.Playwright;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Wall;

/// <summary>The team leaders' logging page and the drill-down pages, in a real browser against the real app.</summary>
public sealed class PagesBrowserTests(LiveDashboardFactory factory, ChromiumFixture chromium)
    : IClassFixture<LiveDashboardFactory>, IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const float Generous = ChromiumFixture.Generous;
    private const string Password = "leaders-password-2026";
    private readonly IBrowser _browser = chromium.Browser;
    private readonly List<string> _violations = [];
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = await factory.ClientAsync(Roles.Admin);
        var admin = await factory.Tokens.AdminSessionAsync();
        foreach (var (username, team) in new[] { ("dianchi-leader", Dianchi), ("enterprise-leader", KeyEnterprises), ("pomegranate-leader", RedPomegranate) })
        {
            await Sign.EnsureAccountAsync(admin, username, Password, Roles.Leader, team);
        }

        await Sign.EnsureAccountAsync(admin, "leadership", Password, Roles.Viewer);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _violations.Should().BeEmpty("every page runs under the strict Content-Security-Policy the server sends");
        return Task.CompletedTask;
    }

    private async Task<IPage> OpenAs(string username, string path, int width = 1440, int height = 1000)
    {
        var context = await _browser.SignedInAsync(factory.Address, username, Password, width, height);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, path).ToString());
        return page;
    }

    [Fact]
    public async Task A_team_leader_signs_in_on_a_phone_logs_an_activity_and_it_is_saved_once()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/log").ToString());

        // Not signed in: the page sends the leader to sign in, and back.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = Generous });
        await page.Locator("#username").FillAsync("dianchi-leader");
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#sign-in").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/log"), new() { Timeout = Generous });

        // A leader's team is preset from the account.
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

        stored["recordedBy"]!.GetValue<string>().Should().Be("dianchi-leader");

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("log.png"), FullPage = true });
        await context.CloseAsync();
    }

    [Fact]
    public async Task An_activity_logged_offline_waits_on_the_phone_and_is_counted_once_when_the_network_returns()
    {
        var context = await _browser.SignedInAsync(factory.Address, "enterprise-leader", Password, 390, 844);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/log").ToString());
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
    public async Task An_activity_that_could_neither_be_sent_nor_kept_on_a_full_phone_stays_in_the_form_until_it_is_sent()
    {
        var context = await _browser.SignedInAsync(factory.Address, "dianchi-leader", Password, 390, 844);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/log").ToString());
        await Assertions.Expect(page.Locator("#field-team")).ToHaveValueAsync(Dianchi, new() { Timeout = Generous });
        var before = await TeamActivities(Dianchi);

        // The phone's storage is full: the outbox cannot keep another entry.
        await page.EvaluateAsync("""
            () => {
              let chunk = 'x'.repeat(1 << 20);
              for (let i = 0; chunk.length > 0; i++) {
                try { localStorage.setItem('filler-' + i, chunk); } catch { chunk = chunk.slice(0, chunk.length >> 1); }
              }
            }
            """);
        await context.SetOfflineAsync(true);
        await page.Locator("#field-title").FillAsync("存储已满时登记的巡河");
        await page.Locator("#field-residentsServed").FillAsync("9");
        await page.Locator("#submit").ClickAsync();

        await Assertions.Expect(page.Locator("#confirm.bad")).ToContainTextAsync("存储已满时登记的巡河", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#form-error")).ToContainTextAsync("本机存储已满");
        await Assertions.Expect(page.Locator("#field-title")).ToHaveValueAsync("存储已满时登记的巡河");
        await Assertions.Expect(page.Locator("#field-residentsServed")).ToHaveValueAsync("9");
        await Assertions.Expect(page.Locator("#outbox [data-id]").Filter(new() { HasText = "存储已满时登记的巡河" })).ToHaveCountAsync(0);

        // With signal again, the same submit saves it, once.
        await context.SetOfflineAsync(false);
        await page.Locator("#submit").ClickAsync();
        await Assertions.Expect(page.Locator("#confirm.ok")).ToContainTextAsync("存储已满时登记的巡河", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#field-title")).ToHaveValueAsync("");
        (await TeamActivities(Dianchi)).Should().Be(before + 1);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Activities_saved_without_signal_go_out_together_in_one_request_and_one_the_server_refuses_fails_alone()
    {
        var context = await _browser.SignedInAsync(factory.Address, "pomegranate-leader", Password, 390, 844);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        var posts = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && new Uri(request.Url).AbsolutePath.StartsWith("/api/activities", StringComparison.Ordinal))
            {
                lock (posts)
                {
                    posts.Add(new Uri(request.Url).AbsolutePath);
                }
            }
        };
        await page.GotoAsync(new Uri(factory.Address, "/log").ToString());
        await Assertions.Expect(page.Locator("#field-team")).ToHaveValueAsync(RedPomegranate, new() { Timeout = Generous });
        var before = await TeamActivities(RedPomegranate);
        ILocator Entry(string title) => page.Locator("#outbox [data-id]").Filter(new() { HasText = title });

        async Task LogOffline(params string[] titles)
        {
            await context.SetOfflineAsync(true);
            foreach (var title in titles)
            {
                await page.Locator("#field-title").FillAsync(title);
                await page.Locator("#submit").ClickAsync();
                await Assertions.Expect(Entry(title)).ToHaveAttributeAsync("data-state", "waiting", new() { Timeout = Generous });

                // The entry is listed before its first attempt; the form is cleared for the next one once that attempt
                // has failed, as the leader sees it (typing sooner would be cleared with it).
                await Assertions.Expect(page.Locator("#submit")).ToBeEnabledAsync(new() { Timeout = Generous });
                await Assertions.Expect(page.Locator("#field-title")).ToHaveValueAsync("", new() { Timeout = Generous });
            }
        }

        string[] Online()
        {
            lock (posts)
            {
                return [.. posts];
            }
        }

        await LogOffline("山区学校送教一", "山区学校送教二", "山区学校送教三");
        lock (posts)
        {
            posts.Clear();
        }

        await context.SetOfflineAsync(false);
        foreach (var title in new[] { "山区学校送教一", "山区学校送教二", "山区学校送教三" })
        {
            await Assertions.Expect(Entry(title)).ToHaveAttributeAsync("data-state", "saved", new() { Timeout = Generous });
        }

        Online().Should().NotBeEmpty().And.OnlyContain(path => path == "/api/activities/batch", "what waited goes out together");
        (await TeamActivities(RedPomegranate)).Should().Be(before + 3);

        // One the server refuses (as an older page might have saved it) among them: the batch is refused whole, and
        // each is then sent alone, so the good one is saved and the bad one shows its own reason.
        await LogOffline("山区学校送教四");
        await page.EvaluateAsync("""
            () => {
              const key = 'vanguardhub.log.outbox.v1';
              const list = JSON.parse(localStorage.getItem(key));
              const body = { ...list.find(e => e.body.title === '山区学校送教四').body, id: crypto.randomUUID(), title: '领域写错的活动', domain: 'space-exploration' };
              list.push({ id: body.id, body, bodyJson: JSON.stringify(body), state: 'waiting', createdAt: new Date().toISOString(), attempts: 0 });
              localStorage.setItem(key, JSON.stringify(list));
            }
            """);
        lock (posts)
        {
            posts.Clear();
        }

        await context.SetOfflineAsync(false);
        await Assertions.Expect(Entry("山区学校送教四")).ToHaveAttributeAsync("data-state", "saved", new() { Timeout = Generous });
        await Assertions.Expect(Entry("领域写错的活动")).ToHaveAttributeAsync("data-state", "failed", new() { Timeout = Generous });
        Online().Should().Contain("/api/activities/batch");
        Online().Count(path => path == "/api/activities").Should().Be(2, "after the refused batch each is sent alone, once");
        (await TeamActivities(RedPomegranate)).Should().Be(before + 4);
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_logging_page_shows_the_servers_message_next_to_the_field_at_fault()
    {
        var page = await OpenAs("pomegranate-leader", "/log", 390, 844);
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
        var yuneng = await PartnerPart("southernmost-kunming", Yuneng);
        var page = await OpenAs("leadership", "/teams/southernmost-kunming");

        await Assertions.Expect(page.Locator("#team-name")).ToContainTextAsync("绘就昆明最南端", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#timeline [data-activity-id='{first.Id}']")).ToContainTextAsync("磨憨口岸规划踏勘", new() { Timeout = Generous });
        var count = await TeamActivities("southernmost-kunming");
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync(count.ToString("N0"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#live-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });

        // Its partner enterprises, as often as the enterprises count the team's activities with them.
        await Assertions.Expect(page.Locator($"#team-partners [data-enterprise-id='{Yuneng}'] .pill-count"))
            .ToHaveTextAsync(yuneng.ToString("N0"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#team-partners [data-enterprise-id='{Yuneng}'] a")).ToHaveAttributeAsync("href", $"/enterprises/{Yuneng}");

        var second = Activity("southernmost-kunming", domain: "urban", district: "mohan", title: "不动产登记异地互办", partners: [KfcCoffee]);
        (await _client.PostActivity(second)).StatusCode.Should().Be(HttpStatusCode.Created);
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((count + 1).ToString("N0"), new() { Timeout = Generous });

        // A new partner appears while the page is open.
        await Assertions.Expect(page.Locator($"#team-partners [data-enterprise-id='{KfcCoffee}'] a")).ToContainTextAsync("肯德基", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#team-partners [data-enterprise-id='{KfcCoffee}'] .pill-count"))
            .ToHaveTextAsync((await PartnerPart("southernmost-kunming", KfcCoffee)).ToString("N0"), new() { Timeout = Generous });

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("team.png") });
    }

    [Fact]
    public async Task The_enterprise_page_lists_the_teams_that_worked_with_it()
    {
        (await _client.PostActivity(Activity(KeyEnterprises, domain: "industry", district: "anning", partners: [KfcCoffee]))).StatusCode.Should().Be(HttpStatusCode.Created);

        // The team tells the enterprise just after its answer; the page shows what the enterprise holds when it opens.
        await Poll.Until(async () => (await _client.GetJson($"/api/enterprises/{KfcCoffee}"))["totals"]!["byTeam"]![KeyEnterprises] is not null);
        var page = await OpenAs("leadership", $"/enterprises/{KfcCoffee}");

        await Assertions.Expect(page.Locator("#enterprise-name")).ToContainTextAsync("肯德基", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator($"#enterprise-teams [data-team-id='{KeyEnterprises}']")).ToBeVisibleAsync(new() { Timeout = Generous });
    }

    [Fact]
    public async Task A_leader_corrects_and_voids_an_activity_from_the_pages_and_the_history_shows_who_changed_what()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        var activity = Activity(Dianchi, title: "滇池湿地巡护");
        (await leader.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);

        var page = await OpenAs("dianchi-leader", $"/log?edit={activity.Id}", 390, 844);
        await Assertions.Expect(page.Locator("#field-title")).ToHaveValueAsync("滇池湿地巡护", new() { Timeout = Generous });
        await page.Locator("#field-title").FillAsync("滇池湿地巡护（更正）");
        await page.Locator("#submit").ClickAsync();
        await Assertions.Expect(page.Locator("#correction-saved")).ToBeVisibleAsync(new() { Timeout = Generous });
        var stored = await _client.GetJson($"/api/activities/{activity.Id}");
        stored["revision"]!.GetValue<int>().Should().Be(1);
        stored["title"]!.GetValue<string>().Should().Be("滇池湿地巡护（更正）");
        stored["recordedBy"]!.GetValue<string>().Should().Be("dianchi-leader");

        await page.GotoAsync(new Uri(factory.Address, $"/teams/{Dianchi}").ToString());
        var item = page.Locator($"#timeline [data-activity-id='{activity.Id}']");
        await Assertions.Expect(item).ToContainTextAsync("滇池湿地巡护（更正）", new() { Timeout = Generous });
        await item.Locator("button.show-history").ClickAsync();
        var correction = item.Locator("ol.history li[data-revision='1']");
        await Assertions.Expect(correction).ToContainTextAsync("dianchi-leader", new() { Timeout = Generous });
        await Assertions.Expect(correction.Locator("li.revision-field[data-field='title']")).ToBeVisibleAsync();

        var before = await TeamActivities(Dianchi);
        await item.Locator("button.void-activity").ClickAsync();
        await item.Locator("input[name=void-reason]").FillAsync("重复登记");
        await item.Locator("button.confirm-void").ClickAsync();
        await Assertions.Expect(page.Locator($"#timeline [data-activity-id='{activity.Id}']")).ToHaveCountAsync(0, new() { Timeout = Generous });
        (await _client.GetJson($"/api/activities/{activity.Id}"))["voidReason"]!.GetValue<string>().Should().Be("重复登记");
        (await TeamActivities(Dianchi)).Should().Be(before - 1);
    }

    [Fact]
    public async Task An_activity_logged_on_the_phone_shows_on_the_wall()
    {
        var wall = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        await wall.GotoAsync(new Uri(factory.Address, "/about.html").ToString());
        await wall.EvaluateAsync("token => localStorage.setItem('vanguardhub.wall.token', token)", await factory.Tokens.TokenAsync(Roles.Wall));
        await wall.GotoAsync(new Uri(factory.Address, "/wall").ToString());
        await Assertions.Expect(wall.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });

        var phone = await OpenAs("pomegranate-leader", "/log", 390, 844);
        await Assertions.Expect(phone.Locator("#field-team")).ToHaveValueAsync(RedPomegranate, new() { Timeout = Generous });
        await phone.Locator("#field-title").FillAsync("石榴籽家园邻里议事会");
        await phone.Locator("#submit").ClickAsync();
        var saved = phone.Locator("#outbox [data-state='saved']").Filter(new() { HasText = "石榴籽家园邻里议事会" });
        await Assertions.Expect(saved).ToHaveCountAsync(1, new() { Timeout = Generous });

        var id = await saved.GetAttributeAsync("data-id");
        await Assertions.Expect(wall.Locator($"[data-activity-id='{id}']")).ToContainTextAsync("石榴籽家园邻里议事会", new() { Timeout = Generous });
    }

    [Fact]
    public async Task The_team_pages_excel_export_downloads_a_workbook_that_opens_with_the_team_s_rows()
    {
        const string team = "southernmost-kunming";
        var march = new DateTimeOffset(2026, 3, 12, 9, 30, 0, TimeSpan.FromHours(8));
        var logged = new[] { Activity(team, occurredAt: march, title: "口岸通关便利化服务"), Activity(team, occurredAt: march.AddDays(1), title: "边民互市政策宣讲") };
        foreach (var activity in logged)
        {
            (await _client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var page = await OpenAs("leadership", $"/teams/{team}");
        await Assertions.Expect(page.Locator($"#timeline [data-activity-id='{logged[0].Id}']")).ToBeVisibleAsync(new() { Timeout = Generous });
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-xlsx").ClickAsync());
        download.SuggestedFilename.Should().EndWith(".xlsx");

        await using var file = File.OpenRead(await download.PathAsync());
        var rows = Workbook.FirstSheetRows(file);
        rows[0].Should().Contain("活动编号").And.Contain("服务队");
        var ids = rows.Skip(1).Select(r => r[0]).ToList();
        ids.Should().Contain(logged.Select(a => a.Id.ToString()));
        rows.Skip(1).Should().OnlyContain(r => r.Contains("绘就昆明最南端党员先锋队"), "the export is filtered to the team");
        rows.Single(r => r[0] == logged[1].Id.ToString()).Should().Contain("边民互市政策宣讲");
    }

    [Fact]
    public async Task The_operator_console_opens_for_an_admin_and_for_nobody_else()
    {
        var context = await _browser.SignedInAsync(factory.Address, "admin", Sign.AdminPassword);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        var response = await page.GotoAsync(new Uri(factory.Address, "/ops/").ToString());
        response!.Status.Should().Be(200);
        await Assertions.Expect(page.Locator("#menu a").First).ToBeVisibleAsync(new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("ops.png") });

        var viewer = await (await _browser.SignedInAsync(factory.Address, "leadership", Password)).NewPageAsync();
        (await viewer.GotoAsync(new Uri(factory.Address, "/ops/").ToString()))!.Status.Should().Be(403);
    }

    private Task<int> TeamActivities(string teamId) => _client.TeamActivities(teamId);

    /// <summary>How many of the team's activities the enterprise counts, once it has heard of any.</summary>
    private async Task<int> PartnerPart(string teamId, string enterpriseId) =>
        (await Poll.Until(async () => (await _client.GetJson($"/api/enterprises/{enterpriseId}"))["totals"]!["byTeam"]![teamId]))!["activities"]!.GetValue<int>();
}
