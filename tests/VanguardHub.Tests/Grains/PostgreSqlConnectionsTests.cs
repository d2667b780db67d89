using Npgsql;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>A node keeps to its share of the PostgreSQL server's connections, however many writes it has in flight.</summary>
public sealed class PostgreSqlConnectionsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Under_load_a_node_opens_no_more_connections_than_its_limit()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: new Dictionary<string, string?>
        {
            ["Storage:Engine"] = "PostgreSql",
            ["Storage:PostgreSqlConnectionString"] = connectionString,
            ["Storage:PostgreSqlMaxConnections"] = "3",
        });

        using var sampling = new CancellationTokenSource();
        var peak = SamplePeakConnections(database!, sampling.Token);
        var teams = Roster.Load().Teams.Select(t => t.Id).ToList();
        var activities = teams.SelectMany(team => Enumerable.Range(0, 12).Select(i => Activity(team, residents: i, partners: i % 4 == 0 ? [KfcCoffee] : []))).ToList();
        var results = await Task.WhenAll(activities.Select(a => cluster.Grains.GetGrain<IServiceTeamGrain>(a.TeamId).LogActivity(a)));
        await sampling.CancelAsync();

        results.Should().OnlyContain(r => r.Outcome == LogOutcome.Created);
        (await peak).Should().BeInRange(1, 3);
        var summaries = await Task.WhenAll(teams.Select(t => cluster.Grains.GetGrain<IServiceTeamGrain>(t).GetSummary()));
        summaries.Sum(s => s.Aggregates.Total.Activities).Should().Be(activities.Count);
    }

    [Theory]
    [InlineData("Host=db;Username=vh;Password=x", "Maximum Pool Size=32")]
    [InlineData("Host=db;Username=vh;Password=x;Maximum Pool Size=80", "Maximum Pool Size=80")]
    [InlineData("Host=db;Username=vh;Password=x;MaxPoolSize=7", "MaxPoolSize=7")]
    [InlineData("Host=db;Username=vh;Password=x;max pool size=5", "max pool size=5")]
    [InlineData("Host=db;Username=vh;Password=x;Minimum Pool Size=40", "Maximum Pool Size=40")]
    public void The_connection_strings_own_pool_size_wins_over_the_default(string given, string expected)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = given };

        options.ConnectionString.Should().Contain(expected);
    }

    /// <summary>The most client connections to <paramref name="database"/> seen at once, sampled until cancelled.</summary>
    private static async Task<int> SamplePeakConnections(string database, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = @database AND backend_type = 'client backend';", connection);
        count.Parameters.AddWithValue("database", database);
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, Convert.ToInt32(await count.ExecuteScalarAsync(CancellationToken.None)));
            await Task.Delay(10, CancellationToken.None);
        }

        return peak;
    }
}
