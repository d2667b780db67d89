using Npgsql;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>
/// What a node asks of the PostgreSQL server: no more than its share of connections, however many writes it has in
/// flight; statements it prepares once; grain states it has compressed with lz4.
/// </summary>
public sealed class PostgreSqlUseTests : IDisposable
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
        var settings = PostgresServer.StorageSettings(connectionString);
        settings["Storage:PostgreSqlMaxConnections"] = "3";
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: settings);

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
    [InlineData(20, true)]
    [InlineData(0, false)]
    public async Task The_storage_statements_run_prepared_on_the_server_unless_turned_off(int maxAutoPrepare, bool prepared)
    {
        var options = new StorageOptions
        {
            Engine = StorageOptions.PostgreSql,
            PostgreSqlConnectionString = await PostgresServer.CreateDatabaseAsync(),
            PostgreSqlMaxConnections = 1,
            PostgreSqlMaxAutoPrepare = maxAutoPrepare,
        };
        var settings = PostgresServer.StorageSettings(options.PostgreSqlConnectionString);
        settings["Storage:PostgreSqlMaxConnections"] = "1";
        settings["Storage:PostgreSqlMaxAutoPrepare"] = maxAutoPrepare.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: settings);
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate);
        for (var i = 0; i < 10; i++)
        {
            (await team.LogActivity(Activity(RedPomegranate, residents: i))).Outcome.Should().Be(LogOutcome.Created);
        }

        // The one connection the node's pool holds, as its writes left it: what that server session has prepared.
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO OrleansStorage%';", connection);
        (Convert.ToInt32(await query.ExecuteScalarAsync()) > 0).Should().Be(prepared);
    }

    [Theory]
    [InlineData("Host=db;Username=vh;Password=x", 32)]
    [InlineData("Host=db;Username=vh;Password=x;Maximum Pool Size=80", 80)]
    [InlineData("Host=db;Username=vh;Password=x;MaxPoolSize=7", 7)]
    [InlineData("Host=db;Username=vh;Password=x;maximum pool size=5", 5)]
    [InlineData("Host=db;Username=vh;Password=x;Minimum Pool Size=40", 40)]
    public void The_connection_strings_own_pool_size_wins_over_the_default(string given, int expected)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = given };

        new NpgsqlConnectionStringBuilder(options.ConnectionString).MaxPoolSize.Should().Be(expected);
    }

    [Theory]
    [InlineData("Host=db;Username=vh;Password=x", 20, 20)]
    [InlineData("Host=db;Username=vh;Password=x", 0, 0)]
    [InlineData("Host=db;Username=vh;Password=x;Max Auto Prepare=0", 20, 0)]
    [InlineData("Host=db;Username=vh;Password=x;maxautoprepare=50", 20, 50)]
    public void Statements_are_prepared_on_the_server_unless_the_connection_string_or_the_setting_says_not(string given, int setting, int expected)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = given, PostgreSqlMaxAutoPrepare = setting };

        var effective = new NpgsqlConnectionStringBuilder(options.ConnectionString);

        effective.MaxAutoPrepare.Should().Be(expected);
        effective.Host.Should().Be("db");
        effective.Password.Should().Be("x");
    }

    [Theory]
    [InlineData("Host=db;Username=vh;Password=x", true)]
    [InlineData("Host=db;Username=vh;Password=x;No Reset On Close=false", false)]
    [InlineData("Host=db;Username=vh;Password=x;noresetonclose=false", false)]
    public void Pooled_connections_are_not_reset_unless_the_connection_string_says_so(string given, bool expected)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = given };

        new NpgsqlConnectionStringBuilder(options.ConnectionString).NoResetOnClose.Should().Be(expected);
    }

    [Theory]
    [InlineData("Host=db;Username=vh;Password=x", true)]
    [InlineData("Host=db;Username=vh;Password=x;Multiplexing=false", false)]
    [InlineData("Host=db;Username=vh;Password=x;Pooling=false", false)]
    public void Commands_are_multiplexed_over_the_pool_unless_the_connection_string_says_so_or_has_no_pool(string given, bool expected)
    {
        var options = new StorageOptions { Engine = StorageOptions.PostgreSql, PostgreSqlConnectionString = given };

        new NpgsqlConnectionStringBuilder(options.ConnectionString).Multiplexing.Should().Be(expected);
    }

    [Fact]
    public async Task The_server_compresses_grain_states_with_lz4()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: PostgresServer.StorageSettings(connectionString));

        // Enough for a full log chunk and a long index page: states past the size the server compresses.
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate);
        var results = await team.LogActivities([.. Enumerable.Range(0, 40).Select(i => Activity(RedPomegranate, residents: i))]);
        results.Should().OnlyContain(r => r.Outcome == LogOutcome.Created);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("""
            SELECT GrainTypeString, pg_column_compression(PayloadBinary)
            FROM OrleansStorage
            WHERE pg_column_compression(PayloadBinary) IS NOT NULL;
            """, connection);
        var compressed = new List<(string State, string Method)>();
        await using (var reader = await query.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                compressed.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        compressed.Should().Contain(c => c.State == "chunk");
        compressed.Should().OnlyContain(c => c.Method == "lz4");
        (await team.GetSummary()).Aggregates.Total.Activities.Should().Be(40, "what was compressed reads back");
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
