using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Storage;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// SQLite takes one writer at a time for the whole file; concurrent writers on separate connections find it locked
/// and sleep before retrying, which caps throughput and stretches the tail. Queuing the writes here instead hands the
/// lock from one write to the next without sleeping. Reads are not affected (WAL lets them run alongside). A write
/// returns once a group fsync after its commit has put it on disk (<see cref="WalGroupSync"/>); the next write
/// commits meanwhile. A state is serialized before its write queues, so that the writer holds the lock for the
/// statement alone and other writes serialize on the other core meanwhile.
/// </summary>
/// <param name="groupSync">SQLite's group commit; null for an engine that takes concurrent writers and syncs its own
/// commits (PostgreSQL): then writes pass straight through and only the metrics remain.</param>
/// <param name="serializer">The serializer <paramref name="inner"/> was configured with.</param>
internal sealed class SerializedWriteStorage(IGrainStorage inner, WalGroupSync? groupSync, StoredFormSerializer serializer) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly Meter Meter = new(StorageMetrics.MeterName);
    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram<double>(
        "vanguardhub.storage.write.duration", "s", "Time to store one grain's state, waiting for the writer included.");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "vanguardhub.storage.errors", description: "Grain state reads and writes that failed.");

    private readonly SemaphoreSlim _writer = new(groupSync is null ? int.MaxValue : 1, groupSync is null ? int.MaxValue : 1);

    /// <summary>The storage path the configured engine needs, around Orleans' ADO.NET provider.</summary>
    public static IGrainStorage Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        if (!options.IsPostgreSql)
        {
            SqliteConnectionSetup.Register();
        }

        return new SerializedWriteStorage(
            AdoNetGrainStorageFactory.Create(services, name),
            options.IsPostgreSql ? null : WalGroupSync.ForDatabase(options.SqlitePath, TimeSpan.FromMilliseconds(options.SyncDelayMilliseconds)),
            services.GetRequiredService<StoredFormSerializer>());
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await inner.ReadStateAsync(stateName, grainId, grainState);
        }
        catch
        {
            Errors.Add(1, new KeyValuePair<string, object?>("operation", "read"));
            throw;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var form = serializer.ToStoredForm(grainState.State);
            var stored = new GrainState<StoredForm>(form)
            {
                ETag = grainState.ETag,
                RecordExists = grainState.RecordExists,
            };
            await _writer.WaitAsync();
            try
            {
                await inner.WriteStateAsync(stateName, grainId, stored);
            }
            finally
            {
                _writer.Release();
            }

            grainState.ETag = stored.ETag;
            grainState.RecordExists = stored.RecordExists;

            if (groupSync is not null)
            {
                await groupSync.AfterCommitAsync();
            }
        }
        catch
        {
            Errors.Add(1, new KeyValuePair<string, object?>("operation", "write"));
            throw;
        }
        finally
        {
            WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("state", stateName));
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _writer.WaitAsync();
        try
        {
            await inner.ClearStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            _writer.Release();
        }

        if (groupSync is not null)
        {
            await groupSync.AfterCommitAsync();
        }
    }

    public void Participate(ISiloLifecycle lifecycle) => ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
}

/// <summary>The meter the storage path reports on (write duration, errors).</summary>
public static class StorageMetrics
{
    public const string MeterName = "VanguardHub.Storage";
}
