using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Storage;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>
/// Wraps the real grain storage and counts, per grain type, the bytes of every state it writes, measured with the
/// same serializer the storage uses. Writes of chosen grain types can be made to fail, to cut a write short.
/// </summary>
internal sealed class CountingGrainStorage(IGrainStorage inner, IGrainStorageSerializer serializer) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private readonly ConcurrentDictionary<string, int> _writes = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<(string State, GrainId Grain), byte[]> _latest = new();

    /// <summary>Grain state names ("team", "chunk", ...) whose writes fail while present.</summary>
    public ConcurrentDictionary<string, bool> FailingStates { get; } = new();

    public long TotalBytes => _bytes.Values.Sum();

    public IReadOnlyDictionary<string, long> BytesByState => _bytes;

    /// <summary>Writes made to fail, per grain state name.</summary>
    public IReadOnlyDictionary<string, int> FailuresByState => _failures;

    /// <summary>Writes per grain state name since the last reset.</summary>
    public IReadOnlyDictionary<string, int> WritesByState => _writes;

    /// <summary>The bytes of the latest write of one grain's state, as the storage serializer makes them.</summary>
    public byte[]? Latest(string stateName, GrainId grainId) => _latest.GetValueOrDefault((stateName, grainId));

    /// <summary>Counts a write that did not come through here (a journal entry) with the rest.</summary>
    public void Count(string name, long bytes)
    {
        _bytes.AddOrUpdate(name, bytes, (_, total) => total + bytes);
        _writes.AddOrUpdate(name, 1, (_, count) => count + 1);
    }

    public void Reset()
    {
        _bytes.Clear();
        _writes.Clear();
    }

    /// <summary>Grain state names ("team", ...) whose reads wait, while present, until their gate is opened.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> HeldReads { get; } = new();

    /// <summary>Reads that fail while present, as "state/key" ("team/dianchi-protection"): a state that cannot be read back.</summary>
    public ConcurrentDictionary<string, bool> FailingReads { get; } = new();

    private readonly ConcurrentDictionary<string, bool> _read = new();

    /// <summary>Whether a grain's state was read (the grain brought into memory), by state name and grain key.</summary>
    public bool WasRead(string stateName, string key) => _read.ContainsKey($"{stateName}/{key}");

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (HeldReads.TryGetValue(stateName, out var gate))
        {
            await gate.Task;
        }

        var name = $"{stateName}/{grainId.Key}";
        if (FailingReads.ContainsKey(name))
        {
            throw new IOException($"Injected storage failure reading {stateName} of {grainId}.");
        }

        await inner.ReadStateAsync(stateName, grainId, grainState);
        _read[name] = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (FailingStates.ContainsKey(stateName))
        {
            _failures.AddOrUpdate(stateName, 1, (_, n) => n + 1);
            throw new IOException($"Injected storage failure writing {stateName} of {grainId}.");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
        _writes.AddOrUpdate(stateName, 1, (_, n) => n + 1);
        var bytes = serializer.Serialize(grainState.State).ToArray();
        _latest[(stateName, grainId)] = bytes;
        _bytes.AddOrUpdate(stateName, bytes.Length, (_, sum) => sum + bytes.Length);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => ((ILifecycleParticipant<ISiloLifecycle>)inner).Participate(lifecycle);
}

/// <summary>
/// The real journal, with each entry appended counted by the storage's counts as "journal/" and the kind of stream
/// ("journal/team", "journal/enterprise"); appends fail while the storage's failing states name "journal" or that.
/// </summary>
internal sealed class CountingJournal(IJournal inner, CountingGrainStorage counts) : IJournal
{
    public async Task Append(string stream, long number, byte[] payload, bool canWait = false)
    {
        var name = "journal/" + stream[..stream.IndexOf('/')];
        if (counts.FailingStates.ContainsKey("journal") || counts.FailingStates.ContainsKey(name))
        {
            throw new IOException($"Journal entry {number} of \"{stream}\" refused (test).");
        }

        await inner.Append(stream, number, payload, canWait);
        counts.Count(name, payload.Length);
    }

    public Task<IReadOnlyList<JournalEntry>> Read(string stream, long from) => inner.Read(stream, from);

    public void Forget(string stream, long before) => inner.Forget(stream, before);
}
