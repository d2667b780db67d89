using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Brings the store's schema up to date before the storage provider reads its queries from it.</summary>
internal sealed class SchemaLifecycle(SchemaMigrator migrator, IOptions<StorageOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        // First of all: clustering and storage read their queries from the schema when they start.
        lifecycle.Subscribe(nameof(SchemaLifecycle), ServiceLifecycleStage.First, cancellationToken => options.Value.IsPostgreSql
            ? migrator.ApplyPostgreSqlAsync(options.Value.PostgreSqlPooledConnectionString, cancellationToken)
            : migrator.ApplySqliteAsync(options.Value.SqliteConnectionString, cancellationToken));
}
