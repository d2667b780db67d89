using Npgsql;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>What PostgreSQL does with the grain states it is sent.</summary>
public sealed class PostgreSqlPayloadTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_server_compresses_grain_states_with_lz4()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: new Dictionary<string, string?>
        {
            ["Storage:Engine"] = "PostgreSql",
            ["Storage:PostgreSqlConnectionString"] = connectionString,
        });

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
}
