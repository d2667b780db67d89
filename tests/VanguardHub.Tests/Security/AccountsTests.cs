using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using VanguardHub.Tests.Process;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Security;

public sealed partial class AccountsTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private const string Password = "a-leaders-password-1";

    [Fact]
    public async Task A_revoked_token_stops_working_on_its_very_next_request()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        var issued = await (await admin.PostAsJsonAsync("/api/tokens", new { name = "reporting script", role = Roles.Viewer })).Json();
        using var script = factory.NewClient().WithToken(issued["token"]!.GetValue<string>());

        // The host keeps tokens it validated a moment ago (once registered with the tokens grain): this one is kept.
        var cache = factory.Services.GetRequiredService<TokenCache>();
        await Poll.Until(() => Task.FromResult(cache.Watching));
        (await script.GetAsync("/api/teams")).StatusCode.Should().Be(HttpStatusCode.OK);
        cache.Find(issued["token"]!.GetValue<string>()).Should().NotBeNull();

        (await admin.DeleteAsync($"/api/tokens/{issued["id"]!.GetValue<string>()}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var refused = await script.GetAsync("/api/teams");
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        refused.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var listed = (await admin.GetJson("/api/tokens")).AsArray().Single(t => t!["id"]!.GetValue<string>() == issued["id"]!.GetValue<string>());
        listed!["revokedAt"].Should().NotBeNull();
        listed.AsObject().ContainsKey("token").Should().BeFalse("a token's text is shown once, when it is issued");
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_until_an_admin_resets_it()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        await Sign.EnsureAccountAsync(admin, "locked-leader", Password, Roles.Leader, Dianchi);
        using var phone = factory.NewClient();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await phone.PostAsJsonAsync("/api/auth/login", new { username = "locked-leader", password = $"wrong-guess-{i}" })).StatusCode);
        }

        answers.Should().Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4).Append(HttpStatusCode.TooManyRequests));
        var locked = await phone.PostAsJsonAsync("/api/auth/login", new { username = "locked-leader", password = Password });
        locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the right password does not open a locked account");
        locked.Headers.RetryAfter.Should().NotBeNull();
        (await admin.GetJson("/api/audit")).AsArray().Should().Contain(e => e!["action"]!.GetValue<string>() == "account.lockout" && e["target"]!.GetValue<string>() == "locked-leader");

        (await admin.PostAsJsonAsync("/api/accounts/locked-leader/password", new { password = "a-new-password-2026" })).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await phone.PostAsJsonAsync("/api/auth/login", new { username = "locked-leader", password = "a-new-password-2026" })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_address_are_rate_limited()
    {
        await using var own = new DashboardFactory();
        using var client = own.NewClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 35; i++)
        {
            statuses.Add((await client.PostAsJsonAsync("/api/auth/login", new { username = $"guess{i}", password = "not-a-password" })).StatusCode);
        }

        statuses.Take(30).Should().AllBeEquivalentTo(HttpStatusCode.Unauthorized);
        statuses.Skip(30).Should().AllBeEquivalentTo(HttpStatusCode.TooManyRequests);
        var limited = await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = Sign.AdminPassword });
        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await limited.Json())["status"]!.GetValue<int>().Should().Be(429);
    }

    [Fact]
    public async Task A_cookie_session_writes_only_with_the_antiforgery_token_a_bearer_token_needs_none()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        await Sign.EnsureAccountAsync(admin, "cookie-leader", Password, Roles.Leader, Dianchi);
        using var browser = factory.NewClient();
        await Sign.InAsync(browser, "cookie-leader", Password);

        var antiforgery = browser.DefaultRequestHeaders.GetValues(Sign.AntiforgeryHeader).Single();
        browser.DefaultRequestHeaders.Remove(Sign.AntiforgeryHeader);
        var forged = Activity(Dianchi);
        var refused = await browser.PostActivity(forged);
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.ProblemFields()).Should().Equal(Sign.AntiforgeryHeader);
        (await browser.GetAsync($"/api/activities/{forged.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        browser.DefaultRequestHeaders.Add(Sign.AntiforgeryHeader, antiforgery);
        var accepted = await browser.PostActivity(Activity(Dianchi));
        accepted.StatusCode.Should().Be(HttpStatusCode.Created);
        (await accepted.Json())["recordedBy"]!.GetValue<string>().Should().Be("cookie-leader");

        using var script = await factory.ClientAsync(Roles.Leader, Dianchi);
        (await script.PostActivity(Activity(Dianchi))).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Disabling_an_account_ends_its_sessions_at_once()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        await Sign.EnsureAccountAsync(admin, "departing-viewer", Password, Roles.Viewer);
        using var browser = factory.NewClient();
        await Sign.InAsync(browser, "departing-viewer", Password);
        (await browser.GetAsync("/api/teams")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await admin.DeleteAsync("/api/accounts/departing-viewer")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await browser.GetAsync("/api/teams")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await browser.PostAsJsonAsync("/api/auth/login", new { username = "departing-viewer", password = Password })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Account_and_token_changes_are_in_the_audit_log_with_who_did_them()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        await Sign.EnsureAccountAsync(admin, "audited-viewer", Password, Roles.Viewer);
        var issued = await (await admin.PostAsJsonAsync("/api/tokens", new { name = "audited script", role = Roles.Viewer })).Json();
        await admin.DeleteAsync($"/api/tokens/{issued["id"]!.GetValue<string>()}");

        var audit = (await admin.GetJson("/api/audit?limit=50")).AsArray().Select(e => (
            Actor: e!["actor"]!.GetValue<string>(), Action: e["action"]!.GetValue<string>(), Target: e["target"]!.GetValue<string>())).ToList();

        audit.Should().Contain(("admin", "account.create", "audited-viewer"));
        audit.Should().Contain(("admin", "token.create", issued["id"]!.GetValue<string>()));
        audit.Should().Contain(("admin", "token.revoke", issued["id"]!.GetValue<string>()));
        audit.IndexOf(("admin", "token.revoke", issued["id"]!.GetValue<string>())).Should()
            .BeLessThan(audit.IndexOf(("admin", "token.create", issued["id"]!.GetValue<string>())), "newest first");
    }

    [Fact]
    public async Task Account_bodies_are_checked_field_by_field()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        var response = await admin.PostAsJsonAsync("/api/accounts", new { username = "x", password = "short", role = "superuser" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ProblemFields()).Should().BeEquivalentTo("username", "password", "role");

        var leaderWithoutTeam = await admin.PostAsJsonAsync("/api/accounts", new { username = "teamless", password = Password, role = Roles.Leader });
        (await leaderWithoutTeam.ProblemFields()).Should().Equal("teamId");
    }

    [Fact]
    public async Task On_a_first_start_without_a_configured_password_a_random_one_is_printed_once_and_works()
    {
        using var folder = new TempFolder();
        var serviceId = $"first-{Guid.NewGuid():N}";
        string password;
        await using (var first = await DashboardProcess.StartAsync(folder.Path, FreePorts.Next(), serviceId, adminPassword: null))
        {
            password = FirstAdminPassword().Match(first.Output).Groups[1].Value;
            password.Should().HaveLength(20, first.Output);
            using var client = new HttpClient { BaseAddress = first.Address };
            (await client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password })).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await using var second = await DashboardProcess.StartAsync(folder.Path, FreePorts.Next(), serviceId, adminPassword: null);
        second.Output.Should().NotContain(password, "the password is shown on the first start only");
        using var again = new HttpClient { BaseAddress = second.Address };
        (await again.PostAsJsonAsync("/api/auth/login", new { username = "admin", password })).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [GeneratedRegex("created the admin account \"admin\" with the password (\\S+)")]
    private static partial Regex FirstAdminPassword();
}
