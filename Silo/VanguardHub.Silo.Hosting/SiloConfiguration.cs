using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using VanguardHub.Contracts;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Silo.Hosting.Storage;

namespace VanguardHub.Silo.Hosting;

/// <summary>Cluster identity and ports of this silo. Section "Orleans".</summary>
public sealed class ClusterHostOptions
{
    public const string Section = "Orleans";

    public string ClusterId { get; set; } = "vanguardhub";

    /// <summary>Grain state rows are keyed by this; keep it fixed for the life of a deployment.</summary>
    public string ServiceId { get; set; } = "vanguardhub";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;
}

/// <summary>Roster files that replace the shipped ones. Section "Roster".</summary>
public sealed class RosterOptions
{
    public const string Section = "Roster";

    public string? TeamsFile { get; set; }

    public string? EnterprisesFile { get; set; }
}

public static class SiloConfiguration
{
    /// <summary>Hosts a VanguardHub silo in this process: the web app's co-hosted silo and the headless node alike.</summary>
    /// <param name="configure">What this host adds to its silo (the web app adds the operator dashboard).</param>
    public static IHostApplicationBuilder AddVanguardHubSilo(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        var cluster = builder.Configuration.GetSection(ClusterHostOptions.Section).Get<ClusterHostOptions>() ?? new ClusterHostOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            silo.AddVanguardHubGrains(builder.Configuration);
            configure?.Invoke(silo);
        });
        return builder;
    }

    /// <summary>The grains, their storage and the schema the storage needs; everything but clustering.</summary>
    public static ISiloBuilder AddVanguardHubGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ActivityLogOptions>().Bind(configuration.GetSection(ActivityLogOptions.Section));
        services.AddOptions<WallOptions>().Bind(configuration.GetSection(WallOptions.Section));
        services.AddOptions<LockoutOptions>().Bind(configuration.GetSection(LockoutOptions.Section));
        services.AddOptions<RosterOptions>().Bind(configuration.GetSection(RosterOptions.Section));
        services.AddSingleton(sp =>
        {
            var files = sp.GetRequiredService<IOptions<RosterOptions>>().Value;
            return Roster.Load(files.TeamsFile, files.EnterprisesFile);
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaLifecycle>();

        silo.AddAdoNetGrainStorage(GrainStorage.Name, optionsBuilder => optionsBuilder.Configure<IOptions<StorageOptions>, IServiceProvider>((options, storage, sp) =>
        {
            options.Invariant = "System.Data.SQLite";
            options.ConnectionString = storage.Value.SqliteConnectionString;

            // Orleans' own binary format: compact, and tolerant of added fields through the [Id]s on every stored type.
            options.GrainStorageSerializer = new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>());
        }));
        services.AddKeyedSingleton<IGrainStorage>(GrainStorage.Name, (sp, _) =>
            new SerializedWriteStorage(AdoNetGrainStorageFactory.Create(sp, GrainStorage.Name)));
        return silo;
    }
}
