using Orleans.Serialization;

namespace VanguardHub.Grains.Infrastructure;

/// <summary>
/// One grain's stream in the <see cref="IJournal"/>: the number its next entry takes, its entries since the stored
/// state applied in order as it activates, and each new change appended under the next number. The grain's state
/// records the first entry it does not include; the grain lets the journal go of those before it once that is written.
/// </summary>
internal sealed class JournalStream<TChange>(IJournal journal, Serializer serializer, string key)
{
    /// <summary>The number the next entry takes.</summary>
    public long Next { get; private set; }

    /// <summary>Applies the entries from <paramref name="from"/> (the first the stored state does not include), in order; how many there were.</summary>
    public async Task<int> Replay(long from, Action<TChange> apply)
    {
        Next = from;
        var entries = await journal.Read(key, from);
        foreach (var entry in entries)
        {
            if (entry.Number != Next)
            {
                throw new InvalidOperationException($"Journal stream \"{key}\": entry {Next} is missing (found {entry.Number} next).");
            }

            apply(serializer.Deserialize<TChange>(entry.Payload)
                ?? throw new InvalidOperationException($"Journal stream \"{key}\": entry {entry.Number} is empty."));
            Next++;
        }

        return entries.Count;
    }

    /// <summary>Stores the change as the next entry; durable when this completes (see <see cref="IJournal.Append"/> for <paramref name="canWait"/>).</summary>
    public async Task Append(TChange change, bool canWait = false)
    {
        await journal.Append(key, Next, serializer.SerializeToArray(change), canWait);
        Next++;
    }

    /// <summary>The entries before <paramref name="before"/> are included in a written state.</summary>
    public void Forget(long before) => journal.Forget(key, before);
}
