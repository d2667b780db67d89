using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Silo.Hosting;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>
/// An in-process Orleans cluster running the real grains on a real SQLite file, with the grain storage (and the
/// journal) wrapped so tests can count what is written and make writes fail.
/// </summary>
internal sealed class GrainCluster : IAsyncDisposable
{
    private GrainCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    public CountingGrainStorage Storage =>
        (CountingGrainStorage)Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);

    /// <param name="dataDirectory">Where the SQLite file lives; the same folder and service id find the same state again.</param>
    /// <param name="prepareStorage">Sets up the storage before the silo first uses it (to hold reads back from the start).</param>
    /// <param name="responseTimeout">How long a call waits for its answer, unless its method says otherwise (Orleans' default: 30 s).</param>
    public static async Task<GrainCluster> StartAsync(
        string dataDirectory, string? serviceId = null, IDictionary<string, string?>? settings = null, Action<CountingGrainStorage>? prepareStorage = null,
        TimeSpan? responseTimeout = null)
    {
        var values = new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId ?? Guid.NewGuid().ToString("N");
        builder.Options.ConfigureFileLogging = false;
        if (responseTimeout is { } timeout)
        {
            builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout));
        }

        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddVanguardHubGrains(configuration);
            if (responseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }

            // The service's own storage path (writes queued in-process), with counting around it.
            silo.Services.AddKeyedSingleton<IGrainStorage>(GrainStorage.Name, (sp, _) =>
            {
                var storage = new CountingGrainStorage(
                    SerializedWriteStorage.Create(sp, GrainStorage.Name),
                    sp.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(GrainStorage.Name).GrainStorageSerializer);
                prepareStorage?.Invoke(storage);
                return storage;
            });
            silo.Services.AddSingleton<IJournal>(sp => new CountingJournal(
                sp.GetRequiredService<StoreJournal>(),
                (CountingGrainStorage)sp.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name)));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new GrainCluster(cluster);
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
