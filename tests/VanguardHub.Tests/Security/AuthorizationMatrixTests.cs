using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Security;

/// <summary>Every route and hub method against every role, and anonymous: the status each one gets.</summary>
public sealed class AuthorizationMatrixTests(LiveDashboardFactory factory) : IClassFixture<LiveDashboardFactory>
{
    public const string Anonymous = "anonymous";

    /// <summary>The callers: anonymous, each role by bearer token; the leader leads the Dianchi team.</summary>
    public static readonly string[] Callers = [Anonymous, Roles.Wall, Roles.Viewer, Roles.Leader, Roles.Admin];

    private const int Ok = 200, Created = 201, NoContent = 204, Unauthorized = 401, Forbidden = 403, NotFound = 404;

    /// <summary>Route → expected status for anonymous, wall, viewer, leader, admin (in <see cref="Callers"/> order).</summary>
    private static readonly Dictionary<string, (string Method, string Path, int[] Expected)> Routes = new()
    {
        ["board"] = ("GET", "/api/board", [Unauthorized, Ok, Ok, Ok, Ok]),
        ["catalog"] = ("GET", "/api/catalog", [Unauthorized, Ok, Ok, Ok, Ok]),
        ["teams"] = ("GET", "/api/teams", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["team"] = ("GET", $"/api/teams/{Dianchi}", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["timeline"] = ("GET", $"/api/teams/{Dianchi}/activities", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["enterprises"] = ("GET", "/api/enterprises", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["enterprise"] = ("GET", $"/api/enterprises/{KfcCoffee}", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["activity"] = ("GET", "/api/activities/{stored}", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["district"] = ("GET", "/api/districts/xishan", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["domain"] = ("GET", "/api/domains/ecology", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["export csv"] = ("GET", "/api/exports/activities.csv", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["export xlsx"] = ("GET", "/api/exports/monthly.xlsx", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["log own team"] = ("POST", "/api/activities#own", [Unauthorized, Forbidden, Forbidden, Created, Created]),
        ["log another team"] = ("POST", "/api/activities#other", [Unauthorized, Forbidden, Forbidden, Forbidden, Created]),
        ["log a batch for own team"] = ("POST", "/api/activities/batch#own-batch", [Unauthorized, Forbidden, Forbidden, Ok, Ok]),
        ["log a batch for another team"] = ("POST", "/api/activities/batch#other-batch", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["correct own team"] = ("PUT", "/api/activities/{stored}#correct", [Unauthorized, Forbidden, Forbidden, Ok, Ok]),
        ["correct another team"] = ("PUT", "/api/activities/{other}#correct", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["void own team"] = ("DELETE", "/api/activities/{stored}#void", [Unauthorized, Forbidden, Forbidden, Ok, Ok]),
        ["void another team"] = ("DELETE", "/api/activities/{other}#void", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["revisions"] = ("GET", "/api/activities/{stored}/revisions", [Unauthorized, Forbidden, Ok, Ok, Ok]),
        ["verify one"] = ("POST", "/api/activities/{stored}/verify", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["verify many"] = ("POST", "/api/activities/verify#ids", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["operator console"] = ("GET", "/ops/", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["consistency"] = ("GET", "/api/admin/consistency", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["rebuild"] = ("POST", "/api/admin/rebuild", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["accounts"] = ("GET", "/api/accounts", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["create account"] = ("POST", "/api/accounts", [Unauthorized, Forbidden, Forbidden, Forbidden, Created]),
        ["disable account"] = ("DELETE", "/api/accounts/nobody-here", [Unauthorized, Forbidden, Forbidden, Forbidden, NotFound]),
        ["reset password"] = ("POST", "/api/accounts/nobody-here/password", [Unauthorized, Forbidden, Forbidden, Forbidden, NotFound]),
        ["tokens"] = ("GET", "/api/tokens", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["issue token"] = ("POST", "/api/tokens", [Unauthorized, Forbidden, Forbidden, Forbidden, Created]),
        ["revoke token"] = ("DELETE", "/api/tokens/0000000000000000", [Unauthorized, Forbidden, Forbidden, Forbidden, NotFound]),
        ["audit"] = ("GET", "/api/audit", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["pending walls"] = ("GET", "/api/walls/pairings", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["approve wall"] = ("POST", "/api/walls/pairings/AAAA-AAAA/approve", [Unauthorized, Forbidden, Forbidden, Forbidden, NotFound]),
        ["ask to pair"] = ("POST", "/api/walls/pairings", [Created, Created, Created, Created, Created]),
        ["collect pairing"] = ("GET", "/api/walls/pairings/unknown", [NotFound, NotFound, NotFound, NotFound, NotFound]),
        ["who am I"] = ("GET", "/api/auth/me", [Unauthorized, Ok, Ok, Ok, Ok]),
        ["metrics"] = ("GET", "/metrics", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok]),
        ["alive"] = ("GET", "/healthz", [Ok, Ok, Ok, Ok, Ok]),
        ["ready"] = ("GET", "/readyz", [Ok, Ok, Ok, Ok, Ok]),
        ["wall page"] = ("GET", "/wall", [Ok, Ok, Ok, Ok, Ok]),
        ["sign-in page"] = ("GET", "/login", [Ok, Ok, Ok, Ok, Ok]),
    };

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in Routes.Keys)
        {
            foreach (var caller in Callers)
            {
                data.Add(route, caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_gets_exactly_what_it_is_allowed(string route, string caller)
    {
        var (method, path, expected) = Routes[route];
        var status = expected[Array.IndexOf(Callers, caller)];
        using var client = await Client(caller);
        using var request = await Request(method, path);

        using var response = await client.SendAsync(request);

        ((int)response.StatusCode).Should().Be(status, $"{caller} {method} {path}: {await response.Content.ReadAsStringAsync()}");
        if (status is Unauthorized or Forbidden)
        {
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        }
    }

    [Fact]
    public async Task A_leader_writing_for_another_team_gets_403_and_nothing_is_stored()
    {
        using var leader = await factory.ClientAsync(Roles.Leader, Dianchi);
        using var admin = await factory.ClientAsync(Roles.Admin);
        var before = (await admin.GetJson($"/api/teams/{RedPomegranate}"))["aggregates"]!["total"]!["activities"]!.GetValue<int>();
        var activity = Activity(RedPomegranate, title: "不是本队的活动");

        var response = await leader.PostActivity(activity);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.ProblemFields()).Should().Equal("teamId");
        (await admin.GetAsync($"/api/activities/{activity.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await admin.GetJson($"/api/teams/{RedPomegranate}"))["aggregates"]!["total"]!["activities"]!.GetValue<int>().Should().Be(before);
    }

    public static TheoryData<string, bool, bool> HubMatrix() => new()
    {
        // caller, may connect and read the board, may watch a team
        { Anonymous, false, false },
        { Roles.Wall, true, false },
        { Roles.Viewer, true, true },
        { Roles.Leader, true, true },
        { Roles.Admin, true, true },
    };

    [Theory]
    [MemberData(nameof(HubMatrix))]
    public async Task The_hub_serves_the_board_to_every_role_and_team_updates_to_readers_only(string caller, bool board, bool watch)
    {
        var token = caller == Anonymous ? null : await factory.Tokens.TokenAsync(caller, caller == Roles.Leader ? Dianchi : null);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Address, "/hubs/board"), options => options.AccessTokenProvider = () => Task.FromResult(token))
            .Build();

        if (!board)
        {
            var refused = async () => await hub.StartAsync();
            (await refused.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            return;
        }

        await hub.StartAsync();
        (await hub.InvokeAsync<BoardSnapshot>("GetSnapshot")).Version.Should().BeGreaterThanOrEqualTo(0);
        var watching = async () => await hub.InvokeAsync<object>("WatchTeam", RedPomegranate);
        if (watch)
        {
            await watching.Should().NotThrowAsync();
        }
        else
        {
            await watching.Should().ThrowAsync<HubException>();
        }
    }

    [Fact]
    public async Task Revoking_a_walls_token_closes_its_open_live_connection()
    {
        var admin = await factory.Tokens.AdminSessionAsync();
        var issued = await (await admin.PostAsJsonAsync("/api/tokens", new { name = "hall wall", role = Roles.Wall })).Json();
        var token = issued["token"]!.GetValue<string>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Address, "/hubs/board"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var closed = new TaskCompletionSource();
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await hub.InvokeAsync<BoardSnapshot>("GetSnapshot");

        (await admin.DeleteAsync($"/api/tokens/{issued["id"]!.GetValue<string>()}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        hub.State.Should().Be(HubConnectionState.Disconnected);
        var reconnect = async () => await hub.StartAsync();
        (await reconnect.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private async Task<HttpClient> Client(string caller) => caller == Anonymous
        ? factory.NewClient()
        : await factory.ClientAsync(caller, caller == Roles.Leader ? Dianchi : null);

    private async Task<HttpRequestMessage> Request(string method, string path)
    {
        // A fresh activity for each request that acts on one: of the leader's own team, or of another.
        ActivityRecord? stored = null;
        if (path.Contains("{stored}") || path.Contains("{other}"))
        {
            stored = Activity(path.Contains("{stored}") ? Dianchi : RedPomegranate);
            using var admin = await factory.ClientAsync(Roles.Admin);
            (await admin.PostActivity(stored)).EnsureSuccessStatusCode();
            path = path.Replace("{stored}", stored.Id.ToString()).Replace("{other}", stored.Id.ToString());
        }

        var request = new HttpRequestMessage(new HttpMethod(method), path.Split('#')[0]);
        var kind = path.Contains('#') ? path[path.IndexOf('#')..] : path;
        request.Content = kind switch
        {
            "#correct" => JsonContent.Create(Body(stored! with { Title = "更正后的标题" })),
            "#void" => JsonContent.Create(new { reason = "重复登记" }),
            "#ids" => JsonContent.Create(new { ids = new[] { Guid.NewGuid() } }),
            "#own" => JsonContent.Create(Body(Activity(Dianchi))),
            "#other" => JsonContent.Create(Body(Activity(RedPomegranate))),
            "#own-batch" => JsonContent.Create(new { activities = new[] { Body(Activity(Dianchi)), Body(Activity(Dianchi)) } }),
            "#other-batch" => JsonContent.Create(new { activities = new[] { Body(Activity(Dianchi)), Body(Activity(RedPomegranate)) } }),
            "/api/accounts" => JsonContent.Create(new { username = $"u{Guid.NewGuid():N}"[..20], password = "a-long-enough-password", role = Roles.Viewer }),
            "/api/accounts/nobody-here/password" => JsonContent.Create(new { password = "a-long-enough-password" }),
            "/api/tokens" => JsonContent.Create(new { name = "matrix", role = Roles.Viewer }),
            "/api/walls/pairings/AAAA-AAAA/approve" => JsonContent.Create(new { name = "hall" }),
            _ => null,
        };
        return request;
    }
}
