using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
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

/// <summary>
/// How nodes find each other. Section "Cluster" (not under "Orleans", whose "Clustering" key Orleans reads itself).
/// </summary>
public sealed class ClusterMembershipSettings
{
    public const string Section = "Cluster";

    /// <summary>"Localhost" (default: a single node) or "AdoNet" (membership in PostgreSQL: several nodes form one cluster).</summary>
    public string Mode { get; set; } = "Localhost";

    /// <summary>Npgsql connection string of the membership table; default: Storage:PostgreSqlConnectionString.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The address other nodes reach this silo on (default 127.0.0.1: nodes on one machine).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>How long a probe of another silo may take before it counts as missed (default 1 s).</summary>
    public double ProbeTimeoutSeconds { get; set; } = 1;

    /// <summary>Missed probes in a row before a silo suspects another (default 2).</summary>
    public int MissedProbesLimit { get; set; } = 2;

    public bool UsesAdoNet => string.Equals(Mode, "AdoNet", StringComparison.OrdinalIgnoreCase);
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
            var membership = builder.Configuration.GetSection(ClusterMembershipSettings.Section).Get<ClusterMembershipSettings>() ?? new ClusterMembershipSettings();
            if (membership.UsesAdoNet)
            {
                UseAdoNetClustering(silo, cluster, membership, builder.Configuration);
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            }

            silo.AddVanguardHubGrains(builder.Configuration);
            configure?.Invoke(silo);
        });
        builder.Services.AddHostedService<ActivityIndexWarmUp>();
        return builder;
    }

    /// <summary>
    /// Several nodes, one membership table in PostgreSQL. Failure detection is tuned for nodes on one network: each
    /// silo probes two others every second; two missed probes make a suspicion, two suspicions a death, so a killed
    /// node's grains are activated elsewhere a few seconds later instead of the default's 10-15 s.
    /// </summary>
    private static void UseAdoNetClustering(ISiloBuilder silo, ClusterHostOptions cluster, ClusterMembershipSettings membership, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var connectionString = membership.ConnectionString ?? (storage.PostgreSqlConnectionString is null ? null : storage.PostgreSqlPooledConnectionString)
            ?? throw new InvalidOperationException("Cluster:Mode AdoNet needs Cluster:ConnectionString or Storage:PostgreSqlConnectionString.");
        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = "Npgsql";
            options.ConnectionString = connectionString;
        });
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = cluster.ServiceId;
        });
        silo.ConfigureEndpoints(IPAddress.Parse(membership.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort);
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(Math.Clamp(membership.ProbeTimeoutSeconds, 0.2, 30));
            options.NumMissedProbesLimit = Math.Clamp(membership.MissedProbesLimit, 1, 10);
            options.NumProbedSilos = 2;
            options.NumVotesForDeathDeclaration = 2;
            options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
    }

    /// <summary>The grains, their storage and the schema the storage needs; everything but clustering.</summary>
    public static ISiloBuilder AddVanguardHubGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;

        // The grain directory's cache is sized for a million grains by default and its table is allocated up front
        // (some 18 MB); far fewer of this service's grains are active at a time.
        silo.Configure<GrainDirectoryOptions>(options => options.CacheSize = 100_000);

        // Orleans carries exceptions between nodes only for namespaces it is told of. Without Npgsql, a PostgreSQL
        // error raised in a grain reached a caller on another node as "Could not find a codec for type
        // Npgsql.PostgresException", with the server's message lost.
        services.Configure<ExceptionSerializationOptions>(options => options.SupportedNamespacePrefixes.Add("Npgsql"));
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
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TeamWakeUp>();

        silo.AddAdoNetGrainStorage(GrainStorage.Name, optionsBuilder => optionsBuilder.Configure<IOptions<StorageOptions>, IServiceProvider>((options, storage, sp) =>
        {
            options.Invariant = storage.Value.Invariant;
            options.ConnectionString = storage.Value.ConnectionString;

            // Orleans' own binary format: compact, and tolerant of added fields through the [Id]s on every stored type.
            options.GrainStorageSerializer = sp.GetRequiredService<StoredFormSerializer>();
        }));
        services.AddSingleton<StoredFormSerializer>();
        services.AddSingleton<StoreWriter>();
        services.AddSingleton<StoreJournal>();
        services.AddSingleton<IJournal>(sp => sp.GetRequiredService<StoreJournal>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<StoreJournal>());
        services.AddKeyedSingleton<IGrainStorage>(GrainStorage.Name, (sp, _) => SerializedWriteStorage.Create(sp, GrainStorage.Name));
        return silo;
    }
}
