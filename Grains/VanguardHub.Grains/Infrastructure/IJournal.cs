namespace VanguardHub.Grains.Infrastructure;

/// <summary>
/// Numbered entries appended to named streams, durable once <see cref="Append"/> completes. The store carries the
/// entries of many streams that arrive together in one write (a team's batch costs a share of a write, not a write
/// of its whole state), and a number is taken once only: a second append under a number already taken is refused
/// with <see cref="JournalConflictException"/>, so two writers that both believe they own a stream cannot both go on.
/// </summary>
public interface IJournal
{
    /// <summary>
    /// Stores <paramref name="payload"/> as entry <paramref name="number"/> of <paramref name="stream"/>. With
    /// <paramref name="canWait"/> (for a writer nobody is waiting on), the entry waits a moment for a write that
    /// another entry starts instead of starting one of its own.
    /// </summary>
    Task Append(string stream, long number, byte[] payload, bool canWait = false);

    /// <summary>The stream's entries from <paramref name="from"/> on, in order.</summary>
    Task<IReadOnlyList<JournalEntry>> Read(string stream, long from);

    /// <summary>
    /// The entries before <paramref name="before"/> are no longer needed (what they hold is stored elsewhere): they are
    /// deleted with a later write. Not awaited; entries left behind by a crash are deleted by the next call.
    /// </summary>
    void Forget(string stream, long before);
}

public sealed record JournalEntry(long Number, byte[] Payload);

/// <summary>The entry's number was taken already: another writer has appended to the stream.</summary>
public sealed class JournalConflictException(string stream, long number)
    : Exception($"Entry {number} of journal stream \"{stream}\" was written by another writer.");
