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
/// <param name="writer">The store's turns and group commit, shared with the journal (<see cref="StoreJournal"/>); for an
/// engine that takes concurrent writers and syncs its own commits (PostgreSQL) writes pass straight through and only
/// the metrics remain.</param>
/// <param name="serializer">The serializer <paramref name="inner"/> was configured with.</param>
internal sealed class SerializedWriteStorage(IGrainStorage inner, StoreWriter writer, StoredFormSerializer serializer) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly SemaphoreSlim _writer = writer.Turn;

    /// <summary>The storage path the configured engine needs, around Orleans' ADO.NET provider.</summary>
    public static IGrainStorage Create(IServiceProvider services, string name) =>
        new SerializedWriteStorage(
            AdoNetGrainStorageFactory.Create(services, name),
            services.GetRequiredService<StoreWriter>(),
            services.GetRequiredService<StoredFormSerializer>());

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await inner.ReadStateAsync(stateName, grainId, grainState);
        }
        catch
        {
            StorageMetrics.Errors.Add(1, new KeyValuePair<string, object?>("operation", "read"));
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

            await writer.AfterCommitAsync();
        }
        catch
        {
            StorageMetrics.Errors.Add(1, new KeyValuePair<string, object?>("operation", "write"));
            throw;
        }
        finally
        {
            StorageMetrics.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("state", stateName));
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

        await writer.AfterCommitAsync();
    }

    public void Participate(ISiloLifecycle lifecycle) => ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
}

/// <summary>The meter the storage path reports on (write duration, errors).</summary>
public static class StorageMetrics
{
    public const string MeterName = "VanguardHub.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// Bucket bounds for the service's histograms in seconds, 1 ms to 10 s. Without them the exporter uses its
    /// defaults (0 to 10,000, made for milliseconds), and every write and push fell in the first bucket: 5 s.
    /// </summary>
    public static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.5, 0.75, 1, 2.5, 5, 10],
    };

    internal static readonly Histogram<double> WriteDuration = Meter.CreateHistogram(
        "vanguardhub.storage.write.duration", "s", "Time to store one grain's state (state: its name) or one journal write (state \"journal\"), waiting for the writer included.",
        advice: Seconds);

    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "vanguardhub.storage.errors", description: "Grain state reads and writes and journal writes that failed.");

    internal static readonly Counter<long> JournalEntries = Meter.CreateCounter<long>(
        "vanguardhub.storage.journal.entries", description: "Journal entries stored; a journal write carries every entry ready at the time.");
}
