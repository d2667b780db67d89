using Npgsql;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>When PostgreSQL refuses a write, whoever called the grain learns what the server said.</summary>
public sealed class PostgreSqlErrorsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_refused_write_reaches_a_caller_in_another_process_with_the_servers_message()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var cluster = await GrainCluster.StartAsync(_folder.Path, settings: PostgresServer.StorageSettings(connectionString));
        var team = cluster.Grains.GetGrain<IServiceTeamGrain>(RedPomegranate);
        (await team.LogActivity(Activity(RedPomegranate))).Outcome.Should().Be(LogOutcome.Created);

        // From now on the server refuses every grain write, as it does when a disk fills or a grant is revoked.
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var refuse = new NpgsqlCommand("""
                CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'writes are suspended for maintenance' USING ERRCODE = '53100'; END $$;
                CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE ON OrleansStorage
                    FOR EACH ROW EXECUTE FUNCTION refuse_writes();
                """, connection);
            await refuse.ExecuteNonQueryAsync();
        }

        // The test's client is another process as far as Orleans is concerned: the failure crosses the wire.
        var refused = await team.Invoking(t => t.LogActivity(Activity(RedPomegranate))).Should().ThrowAsync<Exception>();

        refused.Which.ToString().Should().Contain("writes are suspended for maintenance").And.Contain("53100");
        (await team.GetSummary()).Aggregates.Total.Activities.Should().Be(1, "the refused activity is not counted");
    }
}
