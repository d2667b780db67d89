using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>Brings the store's schema up to date before the storage provider reads its queries from it.</summary>
internal sealed class SchemaLifecycle(SchemaMigrator migrator, IOptions<StorageOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaLifecycle), ServiceLifecycleStage.RuntimeInitialize,
            cancellationToken => migrator.ApplySqliteAsync(options.Value.SqliteConnectionString, cancellationToken));
}
