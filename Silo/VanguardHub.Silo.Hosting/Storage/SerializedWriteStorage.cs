using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.Runtime;
using Orleans.Storage;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// SQLite takes one writer at a time for the whole file; concurrent writers on separate connections find it locked
/// and sleep before retrying, which caps throughput and stretches the tail. Queuing the writes here instead hands the
/// lock from one write to the next without sleeping. Reads are not affected (WAL lets them run alongside).
/// </summary>
/// <param name="serialize">False for an engine that takes concurrent writers well (PostgreSQL): only the metrics remain.</param>
internal sealed class SerializedWriteStorage(IGrainStorage inner, bool serialize = true) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly Meter Meter = new(StorageMetrics.MeterName);
    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram<double>(
        "vanguardhub.storage.write.duration", "s", "Time to store one grain's state, waiting for the writer included.");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "vanguardhub.storage.errors", description: "Grain state reads and writes that failed.");

    private readonly SemaphoreSlim _writer = new(serialize ? 1 : int.MaxValue, serialize ? 1 : int.MaxValue);

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
        await _writer.WaitAsync();
        try
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }
        catch
        {
            Errors.Add(1, new KeyValuePair<string, object?>("operation", "write"));
            throw;
        }
        finally
        {
            _writer.Release();
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
    }

    public void Participate(ISiloLifecycle lifecycle) => ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
}

/// <summary>The meter the storage path reports on (write duration, errors).</summary>
public static class StorageMetrics
{
    public const string MeterName = "VanguardHub.Storage";
}
