using System.Net;
using Npgsql;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Process;

/// <summary>
/// The membership table in a PostgreSQL database of its own (<c>Cluster:ConnectionString</c>), beside the default
/// SQLite store: a real Dashboard process makes that database's schema, joins through it and serves.
/// </summary>
public sealed class MembershipDatabaseTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_node_whose_membership_database_is_new_and_apart_from_its_store_starts_and_serves()
    {
        var membershipDatabase = await PostgresServer.CreateDatabaseAsync();
        var id = Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "AdoNet",
            ["Cluster:ConnectionString"] = membershipDatabase,
            ["Orleans:ServiceId"] = $"membership-{id}",
            ["Orleans:ClusterId"] = $"membership-{id}",
            ["Orleans:SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans:GatewayPort"] = FreePorts.Next().ToString(),
        };

        await using var node = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), $"membership-{id}", settings: settings);
        using var client = await node.ClientAsync(Roles.Admin);
        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostActivity(Activity(Dianchi, title: "成员表另库的节点"))).StatusCode.Should().Be(HttpStatusCode.Created);

        // The node is an active member in that database's table; its activities are in the SQLite store beside it.
        await using var connection = new NpgsqlConnection(membershipDatabase);
        await connection.OpenAsync();
        await using var members = new NpgsqlCommand("SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @cluster AND status = 3", connection);
        members.Parameters.AddWithValue("cluster", $"membership-{id}");
        ((long)(await members.ExecuteScalarAsync())!).Should().Be(1);
        File.Exists(Path.Combine(_folder.Path, "vanguardhub.db")).Should().BeTrue();
    }
}
