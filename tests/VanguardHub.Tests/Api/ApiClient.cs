using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using VanguardHub.Contracts.Activities;

namespace VanguardHub.Tests.Api;

internal static class ApiClient
{
    public static Task<HttpResponseMessage> PostActivity(this HttpClient client, object body) =>
        client.PostAsJsonAsync("/api/activities", body);

    public static Task<HttpResponseMessage> PostActivity(this HttpClient client, ActivityRecord activity) =>
        client.PostAsJsonAsync("/api/activities", Infrastructure.TestData.Body(activity));

    public static async Task<JsonNode> Json(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("Empty body.");

    public static async Task<JsonNode> GetJson(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return await response.Json();
    }

    /// <summary>The activities a team's aggregates count.</summary>
    public static async Task<int> TeamActivities(this HttpClient client, string teamId) =>
        (await client.GetJson($"/api/teams/{teamId}"))["aggregates"]!["total"]!["activities"]!.GetValue<int>();

    public static async Task<int> BoardActivities(this HttpClient client) =>
        (await client.GetJson("/api/board"))["totals"]!["activities"]!.GetValue<int>();

    /// <summary>The field names a ProblemDetails body reports errors for.</summary>
    public static async Task<IReadOnlyList<string>> ProblemFields(this HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = await response.Json();
        if (problem["errors"] is JsonObject errors)
        {
            return [.. errors.Select(e => e.Key)];
        }

        return problem["field"] is { } field ? [field.GetValue<string>()] : [];
    }

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
