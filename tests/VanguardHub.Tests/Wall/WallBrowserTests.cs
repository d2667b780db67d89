using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using VanguardHub.Contracts.Security;
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

    /// <summary>The wall on a display that holds a device token (as a paired display keeps it, in its local storage).</summary>
    private async Task<IPage> OpenWall(Uri address, string deviceToken, string query = "")
    {
        var page = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        return await ShowWall(page, address, deviceToken, query);
    }

    private static async Task<IPage> ShowWall(IPage page, Uri address, string deviceToken, string query = "")
    {
        page.Dialog += (_, dialog) => throw new InvalidOperationException($"The page opened a dialog: {dialog.Message}");
        await page.GotoAsync(new Uri(address, "/about.html").ToString());
        await page.EvaluateAsync("token => localStorage.setItem('vanguardhub.wall.token', token)", deviceToken);
        await page.GotoAsync(new Uri(address, $"/wall{query}").ToString());
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        return page;
    }

    [Fact]
    public async Task The_wall_shows_a_logged_activity_live_and_user_text_only_as_text()
    {
        await using var factory = new LiveDashboardFactory();
        using var client = await factory.ClientAsync(Roles.Admin);
        var page = await OpenWall(factory.Address, await factory.Tokens.TokenAsync(Roles.Wall));
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
    public async Task The_wall_never_has_Chromium_measure_a_whole_label_and_chart_widths_stay_within_a_pixel()
    {
        // Chromium keeps what a canvas measured, per string, for the page's life: a wall whose charts measured every new
        // figure grew without end. Every string the page hands to measureText is recorded here. The wall's charts are
        // its own elements now and measure nothing; the drill-down pages' ECharts charts measure by character.
        await using var factory = new LiveDashboardFactory();
        using var client = await factory.ClientAsync(Roles.Admin);
        var page = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        await page.AddInitScriptAsync("""
            window.measuredTexts = new Set();
            const measure = CanvasRenderingContext2D.prototype.measureText;
            CanvasRenderingContext2D.prototype.measureText = function (text) { window.measuredTexts.add(String(text)); return measure.call(this, text); };
            """);
        await ShowWall(page, factory.Address, await factory.Tokens.TokenAsync(Roles.Wall));
        var before = await Total(page);
        foreach (var (team, district) in new[] { (Dianchi, "xishan"), (RedPomegranate, "wuhua"), (KeyEnterprises, "panlong") })
        {
            (await client.PostActivity(Activity(team, district: district, residents: 1234))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((before + 3).ToString("N0"), new() { Timeout = Generous });
        await page.WaitForTimeoutAsync(1000); // the charts' own redraw after the last push

        var measured = await page.EvaluateAsync<string[]>("() => [...window.measuredTexts]");
        measured.Where(text => System.Globalization.StringInfo.ParseCombiningCharacters(text).Length > 1).Should().BeEmpty();

        var gaps = await page.EvaluateAsync<double[]>("""
            async () => {
              const { measureText } = await import('/js/chart-text.js');
              const context = document.createElement('canvas').getContext('2d');
              context.font = '18px sans-serif';
              return ['五华区', '滇池保护治理先锋队', '12,345', '98.6%', 'Dianchi protection 1,024']
                .map((label) => Math.abs(measureText(label, context.font).width - context.measureText(label).width));
            }
            """);
        gaps.Should().OnlyContain(gap => gap <= 1.0, "a label's width is its characters' widths, kerning aside");
        _violations.Should().BeEmpty();
    }

    [Fact]
    public async Task The_wall_shows_every_domain_and_district_with_the_boards_figures_the_busiest_district_on_top()
    {
        await using var factory = new LiveDashboardFactory();
        using var client = await factory.ClientAsync(Roles.Admin);
        var page = await OpenWall(factory.Address, await factory.Tokens.TokenAsync(Roles.Wall));
        var catalog = await client.GetJson("/api/catalog");
        var districtCount = catalog["districts"]!.AsArray().Count;
        await Assertions.Expect(page.Locator("#districts-list .district-row")).ToHaveCountAsync(districtCount, new() { Timeout = Generous });
        var before = await Total(page);

        // Panlong gets two more and Guandu enough to lead every other district (Panlong's two included); the ecology
        // domain gets all but one.
        var board = await client.GetJson("/api/board");
        int Count(string part, string code) => board[part]?[code]?["activities"]?.GetValue<int>() ?? 0;
        var busiestOther = catalog["districts"]!.AsArray().Select(d => d!["code"]!.GetValue<string>()).Where(code => code != "guandu")
            .Max(code => Count("byDistrict", code));
        var logged = new List<(string District, string Domain)> { ("panlong", "ecology"), ("panlong", "livelihood") };
        logged.AddRange(Enumerable.Repeat(("guandu", "ecology"), Math.Max(3, busiestOther + 3 - Count("byDistrict", "guandu"))));
        foreach (var (district, domain) in logged)
        {
            (await client.PostActivity(Activity(Dianchi, district: district, domain: domain))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((before + logged.Count).ToString("N0"), new() { Timeout = Generous });
        board = await client.GetJson("/api/board");
        var guandu = page.Locator("#districts-list [data-district='guandu']");
        await Assertions.Expect(guandu.Locator(".district-value")).ToHaveTextAsync(Count("byDistrict", "guandu").ToString("N0"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#domains-legend [data-domain='ecology'] .domain-value")).ToHaveTextAsync(Count("byDomain", "ecology").ToString("N0"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#domains-total")).ToHaveTextAsync((before + logged.Count).ToString("N0"));

        // Every row shows its board figure, ranked by it; rows are placed on screen in that order.
        var rows = (await page.Locator("#districts-list .district-row").EvaluateAllAsync<string[]>(
                "rows => rows.map(r => [r.dataset.district, r.dataset.rank, r.querySelector('.district-value').textContent].join(' '))"))
            .Select(row => row.Split(' ')).Select(parts => (Code: parts[0], Rank: int.Parse(parts[1]), Value: parts[2])).ToArray();
        rows.Should().HaveCount(districtCount);
        rows.Select(row => row.Value).Should().Equal(rows.Select(row => Count("byDistrict", row.Code).ToString("N0")));
        rows.OrderBy(row => row.Rank).Select(row => Count("byDistrict", row.Code)).Should().BeInDescendingOrder();
        rows.Select(row => row.Rank).Should().BeEquivalentTo(Enumerable.Range(1, districtCount));
        await Assertions.Expect(guandu).ToHaveAttributeAsync("data-rank", "1");

        await page.WaitForTimeoutAsync(600); // the rows' slide to their places
        var first = await page.Locator("#districts-list [data-rank='1']").BoundingBoxAsync();
        var second = await page.Locator("#districts-list [data-rank='2']").BoundingBoxAsync();
        first!.Y.Should().BeLessThan(second!.Y, "the busiest district is drawn on top");
        var fills = await page.Locator("#districts-list [data-rank='1'] .district-fill").BoundingBoxAsync();
        var emptiest = await page.Locator($"#districts-list [data-rank='{districtCount}'] .district-fill").BoundingBoxAsync();
        fills!.Width.Should().BeGreaterThan(emptiest?.Width ?? 0, "the longest bar is the busiest district's");

        // On a wall that people click, a district and a domain lead to their pages.
        (await guandu.Locator("a.district-line").GetAttributeAsync("href")).Should().Be("/districts/guandu");
        (await page.Locator("#domains-legend [data-domain='ecology'] a.domain-line").GetAttributeAsync("href")).Should().Be("/domains/ecology");
        (await page.Locator("#domains-ring").EvaluateAsync<string>("ring => getComputedStyle(ring).backgroundImage")).Should().StartWith("conic-gradient(");

        // The trend's last day is today: its column tells today's figures; a busier day's point stands higher.
        var perDay = board["trend"]!.AsArray().Select(d => d!["tally"]!["activities"]!.GetValue<int>()).ToArray();
        await Assertions.Expect(page.Locator("#trend-chart .trend-hit").Last.Locator("title")).ToContainTextAsync($"活动场次 {perDay[^1]:N0}");
        var pointsY = await page.Locator("#trend-chart .trend-point").EvaluateAllAsync<double[]>("points => points.map(p => Number(p.getAttribute('cy')))");
        pointsY.Should().HaveCount(perDay.Length);
        var misplaced = from i in Enumerable.Range(0, perDay.Length)
                        from j in Enumerable.Range(0, perDay.Length)
                        where perDay[i] > perDay[j] && pointsY[i] >= pointsY[j]
                        select $"day {i} ({perDay[i]}) at {pointsY[i]}, day {j} ({perDay[j]}) at {pointsY[j]}";
        misplaced.Should().BeEmpty();

        (await page.Locator("#trend-chart .trend-label-activities").AllTextContentsAsync()).Should().Contain("0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("wall-domains-districts.png") });
        _violations.Should().BeEmpty();
    }

    [Fact]
    public async Task The_wall_reconnects_by_itself_after_the_server_restarts_and_shows_the_new_figures()
    {
        using var folder = new TempFolder();
        var port = FreePorts.Next();
        var serviceId = $"wall-{Guid.NewGuid():N}";
        await using var first = await DashboardProcess.StartAsync(folder.Path, port, serviceId);
        var page = await OpenWall(first.Address, await first.TokenAsync(Roles.Wall), "?kiosk=1");
        using (var client = await first.ClientAsync(Roles.Admin))
        {
            (await client.PostActivity(Activity(KeyEnterprises, domain: "industry"))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync("1", new() { Timeout = Generous });

        first.KillHard();
        await Assertions.Expect(page.Locator("#connection-state")).Not.ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });

        await using var second = await DashboardProcess.StartAsync(folder.Path, port, serviceId);
        var activity = Activity(Dianchi, domain: "ecology", title: "重启后的巡查");
        using (var client = await second.ClientAsync(Roles.Admin))
        {
            (await client.PostAsJsonAsync("/api/activities", Body(activity))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator($"[data-activity-id='{activity.Id}']")).ToContainTextAsync("重启后的巡查", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync("2", new() { Timeout = Generous });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("wall-after-restart.png") });
    }

    [Fact]
    public async Task A_new_display_pairs_with_a_code_an_admin_approves_and_stays_paired_after_a_reload_until_revoked()
    {
        await using var factory = new LiveDashboardFactory();
        var admin = await factory.Tokens.AdminSessionAsync();
        var page = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/wall").ToString());

        // An unpaired display shows a code and nothing of the board.
        var code = page.Locator("#pairing-code");
        await Assertions.Expect(code).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[2-9A-Z]{4}-[2-9A-Z]{4}$"), new() { Timeout = Generous });
        (await page.EvaluateAsync<string?>("() => localStorage.getItem('vanguardhub.wall.token')")).Should().BeNull();

        var approve = await admin.PostAsJsonAsync($"/api/walls/pairings/{await code.TextContentAsync()}/approve", new { name = "工委大厅大屏" });
        approve.StatusCode.Should().Be(HttpStatusCode.OK);
        var tokenId = (await approve.Json())["tokenId"]!.GetValue<string>();
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing")).ToBeHiddenAsync();

        // The credential survives the display's reboot.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing")).ToBeHiddenAsync();

        // Revoked while it shows the board: it asks to pair again at once, and says why beside the new code.
        (await admin.DeleteAsync($"/api/tokens/{tokenId}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await Assertions.Expect(page.Locator("#pairing-code")).ToBeVisibleAsync(new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing-code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[2-9A-Z]{4}-[2-9A-Z]{4}$"), new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing-status")).ToContainTextAsync("此大屏的授权已被撤销");
        await Assertions.Expect(page.Locator("#pairing-status")).ToContainTextAsync("等待管理员批准");
        (await page.EvaluateAsync<string?>("() => localStorage.getItem('vanguardhub.wall.token')")).Should().BeNull();

        // And after a reboot, still a code.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#pairing-code")).ToBeVisibleAsync(new() { Timeout = Generous });
        _violations.Should().BeEmpty();
    }

    [Fact]
    public async Task A_wall_shown_on_a_persons_session_says_the_session_ended_when_the_account_is_disabled()
    {
        await using var factory = new LiveDashboardFactory();
        var admin = await factory.Tokens.AdminSessionAsync();
        await Sign.EnsureAccountAsync(admin, "hall-viewer", "hall-viewer-password-2026", Roles.Viewer);
        var context = await _browser.SignedInAsync(factory.Address, "hall-viewer", "hall-viewer-password-2026", 1920, 1080);
        var page = (await context.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/wall").ToString());
        await Assertions.Expect(page.Locator("#connection-state")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing")).ToBeHiddenAsync();

        (await admin.DeleteAsync("/api/accounts/hall-viewer")).IsSuccessStatusCode.Should().BeTrue();

        // Nothing was revoked from this display: it says the person's sign-in ended, not that its access was revoked.
        await Assertions.Expect(page.Locator("#pairing-code")).ToBeVisibleAsync(new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing-status")).ToContainTextAsync("登录已失效", new() { Timeout = Generous });
        await Assertions.Expect(page.Locator("#pairing-status")).Not.ToContainTextAsync("撤销");
        await context.CloseAsync();
        _violations.Should().BeEmpty();
    }

    [Fact]
    public async Task A_wall_kept_current_by_deltas_shows_exactly_what_the_board_holds()
    {
        await using var factory = new LiveDashboardFactory();
        using var client = await factory.ClientAsync(Roles.Admin);
        var deltas = 0;
        var snapshots = 0;
        var page = (await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1920, Height = 1080 } })).WatchCsp(_violations);
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            if (frame.Text?.Contains("\"target\":\"boardDelta\"") == true) Interlocked.Increment(ref deltas);
            if (frame.Text?.Contains("\"target\":\"board\"") == true) Interlocked.Increment(ref snapshots);
        };
        await ShowWall(page, factory.Address, await factory.Tokens.TokenAsync(Roles.Wall));
        var before = await Total(page);

        // Waves of activities over a dozen teams, so the race reorders while the wall follows pushes of changed rows only.
        var teams = new[] { RedPomegranate, KeyEnterprises, Dianchi, "southernmost-kunming", "sample-01", "sample-02", "sample-03", "sample-04", "sample-05", "sample-06", "sample-07", "sample-08" };
        var logged = 0;
        for (var wave = 0; wave < 6; wave++)
        {
            await Parallel.ForAsync(0, 20, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            {
                var team = teams[(i * (wave + 3) + wave) % teams.Length];
                (await client.PostActivity(Activity(team, domain: i % 2 == 0 ? "ecology" : "livelihood", residents: i))).StatusCode.Should().Be(HttpStatusCode.Created);
            });
            logged += 20;
            await Task.Delay(300);
        }

        await Assertions.Expect(page.Locator("#total-activities")).ToHaveTextAsync((before + logged).ToString("N0"), new() { Timeout = Generous });
        var board = await client.GetJson("/api/board");
        // The race turns to its next view every 15 s, and a slow run can outlast the first: its totals tab holds it.
        await page.Locator("[data-race-tab='total']").ClickAsync();
        var shownRace = await page.Locator("#race-list .race-row").EvaluateAllAsync<string[]>(
            "rows => rows.map(r => r.dataset.teamId + ' ' + r.querySelector('.race-total').textContent)");
        var boardRace = board["leaderboard"]!.AsArray().Take(shownRace.Length)
            .Select(e => $"{e!["teamId"]!.GetValue<string>()} {e["tally"]!["activities"]!.GetValue<int>():N0}").ToArray();
        shownRace.Should().Equal(boardRace);
        var shownFeed = await page.Locator("#feed-list [data-activity-id]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.activityId)");
        shownFeed.Should().Equal(board["recent"]!.AsArray().Take(shownFeed.Length).Select(f => f!["activity"]!["id"]!.GetValue<string>()));
        (await page.Locator("#total-residentsServed").TextContentAsync()).Should().Be(board["totals"]!["outcomes"]!["residentsServed"]!.GetValue<int>().ToString("N0"));
        deltas.Should().BeGreaterThan(0, "a wall asks for deltas, and the pushes after the first snapshot come as deltas");
        snapshots.Should().BeLessThanOrEqualTo(1, "only a host's first push has no earlier snapshot to count changes from");
        _violations.Should().BeEmpty();
    }

    [Fact]
    public async Task The_walls_own_code_turns_each_pushed_delta_and_the_snapshot_before_it_into_exactly_the_next_snapshot()
    {
        await using var factory = new LiveDashboardFactory();
        using var client = await factory.ClientAsync(Roles.Admin);
        var token = await factory.Tokens.TokenAsync(Roles.Wall);
        var snapshots = new ConcurrentDictionary<long, string>();
        var deltas = new ConcurrentQueue<(long Since, long Version, string Json)>();
        await using var whole = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Address, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token)).Build();
        await using var changes = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Address, "/hubs/board?deltas=3"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token)).Build();
        whole.On<JsonElement>("board", s => snapshots[s.GetProperty("version").GetInt64()] = s.GetRawText());
        changes.On<JsonElement>("boardDelta", d => deltas.Enqueue((d.GetProperty("since").GetInt64(), d.GetProperty("version").GetInt64(), d.GetRawText())));
        await whole.StartAsync();
        await changes.StartAsync();

        // Every part a delta carries changes: teams (new to the race too), domains, districts, back-dated days, partners.
        var teams = new[] { RedPomegranate, KeyEnterprises, Dianchi, "sample-01", "sample-02", "sample-03" };
        var districts = new[] { "xishan", "wuhua", "panlong", "guandu" };
        var now = DateTimeOffset.UtcNow.ToOffset(VanguardHub.Contracts.Catalog.BeijingTime.Offset);
        for (var wave = 0; wave < 5; wave++)
        {
            await Parallel.ForAsync(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            {
                var activity = Activity(teams[(i + wave) % teams.Length], occurredAt: now.AddDays(-(i % 3)).AddMinutes(-5),
                    domain: i % 2 == 0 ? "ecology" : "livelihood", district: districts[(i + wave) % districts.Length],
                    residents: i + wave, households: wave, partners: i % 4 == 0 ? [i % 8 == 0 ? KfcCoffee : Yuneng] : null);
                (await client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
            });
            await Task.Delay(400);
        }

        // The feed changes too: a correction and a verification fill fields new items leave empty, and a voided
        // activity leaves the feed.
        var changed = new[] { Activity(Dianchi, title: "滇池岸线巡查"), Activity(RedPomegranate), Activity(KeyEnterprises) };
        foreach (var activity in changed)
        {
            (await client.PostActivity(activity)).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        await Task.Delay(400);
        (await client.PutAsJsonAsync($"/api/activities/{changed[0].Id}", Body(changed[0] with { Title = "滇池岸线巡查（更正）" })))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/activities/{changed[1].Id}") { Content = JsonContent.Create(new { reason = "重复登记" }) }))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/api/activities/{changed[2].Id}/verify", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        // The last pushes go out a moment after the last write, later when the machine is busy.
        string[] fields = ["\"revisedAt\"", "\"verifiedBy\""];
        List<(long Since, long Version, string Json)> Pairs() => [.. deltas.Where(d => snapshots.ContainsKey(d.Since) && snapshots.ContainsKey(d.Version))];
        bool Complete(List<(long Since, long Version, string Json)> p) => p.Count >= 3 && fields.All(f => p.Any(x => x.Json.Contains(f)));
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !Complete(Pairs()) && waited.Elapsed < Poll.Generous;)
        {
            await Task.Delay(50);
        }

        var pairs = Pairs();
        pairs.Should().HaveCountGreaterThanOrEqualTo(3, "the waves went out as several pushes");
        foreach (var field in fields)
        {
            pairs.Should().Contain(p => p.Json.Contains(field), $"a delta carried a feed item with {field}");
        }

        var page = (await _browser.NewPageAsync()).WatchCsp(_violations);
        await page.GotoAsync(new Uri(factory.Address, "/about.html").ToString());
        foreach (var (since, version, json) in pairs)
        {
            var compared = await page.EvaluateAsync<string[]>("""
                async ([base, delta, later]) => {
                  const { applyDelta } = await import('/js/wall-state.js');
                  const sorted = (key, value) => value && typeof value === 'object' && !Array.isArray(value)
                    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
                    : value;
                  const merged = applyDelta(JSON.parse(base), JSON.parse(delta));
                  return [JSON.stringify(merged, sorted), JSON.stringify(JSON.parse(later), sorted)];
                }
                """, new[] { snapshots[since], json, snapshots[version] });
            compared[0].Should().Be(compared[1], $"the delta from {since} to {version} applied to snapshot {since} is snapshot {version}");
        }

        _violations.Should().BeEmpty();
    }

    private static async Task<int> Total(IPage page)
    {
        await Assertions.Expect(page.Locator("#total-activities")).Not.ToBeEmptyAsync(new() { Timeout = Generous });
        return int.Parse((await page.Locator("#total-activities").TextContentAsync())!.Replace(",", ""));
    }
}
