using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace VanguardHub.Bench;

/// <summary>
/// Who the benchmark writes and watches as, through the service's own mechanisms: the first admin signs in and issues
/// bearer tokens — one per team leader (each phone writes as its own leader, under its own rate limit) and one for the walls.
/// </summary>
internal sealed class Credentials(Uri address, string adminToken)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, Task<string>> _leaders = new();
    private Task<string>? _wall;

    public Uri Address { get; } = address;

    /// <summary>The first admin's password: the one the benchmark gave the service it started, or VANGUARDHUB_ADMIN_PASSWORD for --url.</summary>
    public static string AdminPassword(AppProcess? app) =>
        app?.AdminPassword ?? Environment.GetEnvironmentVariable("VANGUARDHUB_ADMIN_PASSWORD")
        ?? throw new InvalidOperationException("Set VANGUARDHUB_ADMIN_PASSWORD to the service's admin password to benchmark a running service.");

    public static async Task<Credentials> SignInAsync(Uri address, string password)
    {
        using var session = new HttpClient { BaseAddress = address };
        var login = await session.PostAsJsonAsync("/api/auth/login", new { username = "admin", password });
        login.EnsureSuccessStatusCode();
        var antiforgery = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("antiforgeryToken").GetString()!;
        session.DefaultRequestHeaders.Add("X-CSRF-TOKEN", antiforgery);
        var issued = await session.PostAsJsonAsync("/api/tokens", new { name = "benchmark", role = "admin", expiresInDays = 1 });
        issued.EnsureSuccessStatusCode();
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        return new Credentials(address, token);
    }

    /// <summary>A client for reading and checking, as an admin.</summary>
    public HttpClient AdminClient(HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = Address;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        return client;
    }

    public Task<string> LeaderToken(string teamId) => _leaders.GetOrAdd(teamId, team => Issue(new { name = $"benchmark leader {team}", role = "leader", teamId = team, expiresInDays = 1 }));

    public Task<string> WallToken() => _wall ??= Issue(new { name = "benchmark walls", role = "wall", expiresInDays = 1 });

    /// <summary>
    /// A POST of an activity as its team's leader, its length given as a phone's browser gives it (a JSON content
    /// stream would be sent in chunks, which the service then decodes).
    /// </summary>
    public async Task<HttpRequestMessage> LogRequest(string teamId, object activity) => new(HttpMethod.Post, "/api/activities")
    {
        Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(activity, Web)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json", "utf-8") } },
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", await LeaderToken(teamId)) },
    };

    /// <summary>A POST of several activities of one team at once, as its leader.</summary>
    public async Task<HttpRequestMessage> BatchRequest(string teamId, object[] activities) => new(HttpMethod.Post, "/api/activities/batch")
    {
        Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { activities }, Web)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json", "utf-8") } },
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", await LeaderToken(teamId)) },
    };

    private async Task<string> Issue(object body)
    {
        using var admin = AdminClient();
        var issued = await admin.PostAsJsonAsync("/api/tokens", body);
        issued.EnsureSuccessStatusCode();
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
