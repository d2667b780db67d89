using Orleans.Runtime;
using Orleans.Storage;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// SQLite takes one writer at a time for the whole file; concurrent writers on separate connections find it locked
/// and sleep before retrying, which caps throughput and stretches the tail. Queuing the writes here instead hands the
/// lock from one write to the next without sleeping. Reads are not affected (WAL lets them run alongside).
/// </summary>
internal sealed class SerializedWriteStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly SemaphoreSlim _writer = new(1, 1);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _writer.WaitAsync();
        try
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            _writer.Release();
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
