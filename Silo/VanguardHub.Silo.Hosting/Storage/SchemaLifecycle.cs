using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// Brings the store's schema up to date before the storage provider reads its queries from it, and the membership
/// database's too when that is a database of its own (<c>Cluster:ConnectionString</c>).
/// </summary>
internal sealed class SchemaLifecycle(SchemaMigrator migrator, IOptions<StorageOptions> options, IConfiguration configuration) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        // First of all: clustering and storage read their queries from the schema when they start.
        lifecycle.Subscribe(nameof(SchemaLifecycle), ServiceLifecycleStage.First, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var storage = options.Value;
        _ = storage.IsPostgreSql
            ? await migrator.ApplyPostgreSqlAsync(storage.PostgreSqlPooledConnectionString, cancellationToken)
            : await migrator.ApplySqliteAsync(storage.SqliteConnectionString, cancellationToken);

        // Clustering reads its queries from the membership database's query table: one apart from the store (or
        // beside a SQLite store) needs the schema as much as the store does. Applied twice to one database, the
        // second finds nothing left to do.
        var membership = configuration.GetSection(ClusterMembershipSettings.Section).Get<ClusterMembershipSettings>();
        if (membership is { UsesAdoNet: true, ConnectionString: { } membershipDatabase })
        {
            await migrator.ApplyPostgreSqlAsync(membershipDatabase, cancellationToken);
        }
    }
}
