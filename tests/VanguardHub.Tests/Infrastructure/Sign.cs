using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>
/// Signing in as the service documents it: the first admin's password from VANGUARDHUB_ADMIN_PASSWORD, a cookie
/// sign-in, and bearer tokens an admin issues with POST /api/tokens.
/// </summary>
public static class Sign
{
    public const string PasswordVariable = "VANGUARDHUB_ADMIN_PASSWORD";

    /// <summary>The first admin's password in every test service.</summary>
    public const string AdminPassword = "first-admin-password-2026";

    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>Signs the client in with a session cookie (the client must keep cookies); returns the antiforgery token for its writes.</summary>
    public static async Task<string> InAsync(HttpClient client, string username, string password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var antiforgery = body["antiforgeryToken"]!.GetValue<string>();
        client.DefaultRequestHeaders.Remove(AntiforgeryHeader);
        client.DefaultRequestHeaders.Add(AntiforgeryHeader, antiforgery);
        return antiforgery;
    }

    /// <summary>A bearer token for the role (and team, for a leader), issued by the first admin over a cookie session.</summary>
    public static async Task<string> IssueTokenAsync(HttpClient admin, string role, string? teamId = null, string? name = null)
    {
        var response = await admin.PostAsJsonAsync("/api/tokens", new { name = name ?? $"tests {role} {teamId}".Trim(), role, teamId });
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!.GetValue<string>();
    }

    /// <summary>Creates the account unless an account of that name exists already (a class fixture's service outlives one test).</summary>
    public static async Task EnsureAccountAsync(HttpClient admin, string username, string password, string role, string? teamId = null)
    {
        var response = await admin.PostAsJsonAsync("/api/accounts", new { username, password, role, teamId });
        if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    public static HttpClient WithToken(this HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

/// <summary>Tokens per role for one running service, issued once and reused by a test class.</summary>
public sealed class ServiceTokens(Func<HttpClient> newClient)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _tokens = new();
    private readonly Lazy<Task<HttpClient>> _admin = new(async () =>
    {
        var client = newClient();
        await Sign.InAsync(client, "admin", Sign.AdminPassword);
        return client;
    });

    /// <summary>A client signed in as the first admin with a session cookie and the antiforgery header.</summary>
    public Task<HttpClient> AdminSessionAsync() => _admin.Value;

    public Task<string> TokenAsync(string role, string? teamId = null) =>
        _tokens.GetOrAdd($"{role}/{teamId}", _ => new Lazy<Task<string>>(async () =>
            await Sign.IssueTokenAsync(await AdminSessionAsync(), role, teamId))).Value;

    /// <summary>A new client carrying a bearer token of the role.</summary>
    public async Task<HttpClient> ClientAsync(string role, string? teamId = null) => newClient().WithToken(await TokenAsync(role, teamId));
}
