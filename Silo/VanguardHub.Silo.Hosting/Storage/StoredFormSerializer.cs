using System.Buffers;
using System.Runtime.CompilerServices;
using Orleans.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Session;
using Orleans.Storage;

namespace VanguardHub.Silo.Hosting.Storage;

/// <summary>
/// Orleans' own binary format for grain state, byte for byte what Orleans' <c>OrleansGrainStorageSerializer</c>
/// writes (so every store written before reads the same), made without its growing buffer: that one starts small and
/// doubles, copying the payload each time, which under load was a fifth of everything the service allocated.
/// State serialized ahead of the write (<see cref="StoredForm"/>) passes through as it is.
/// </summary>
/// <remarks>
/// The serializer notes every object it writes (so that one written twice is stored once and referred to), in a
/// table it makes anew, growing, for every state of more than 64 objects, and drops afterwards: a team's state is
/// hundreds. Those tables were a quarter of all the bytes the service allocated under load, so each thread here
/// keeps one table and hands it to the session it serializes with, emptied after each use (through the session's
/// private field: an Orleans that renamed it would fail every write, and <c>StoredFormTests</c> first). The bytes
/// written are the same; those tests compare them with Orleans' own serializer's.
/// </remarks>
internal sealed class StoredFormSerializer(Serializer serializer, SerializerSessionPool sessions) : IGrainStorageSerializer
{
    /// <summary>A table grown past this (a state of thousands of objects, which is rare) is left to the collector.</summary>
    private const int MaxKeptReferences = 4096;

    [ThreadStatic]
    private static Dictionary<object, uint>? t_references;

    /// <summary>The stored bytes of <paramref name="value"/>, in an array of exactly their length.</summary>
    public byte[] ToBytes<T>(T? value)
    {
        using var form = ToStoredForm(value);
        return form.Payload.ToArray();
    }

    /// <summary>
    /// The stored bytes of <paramref name="value"/> in an array from the shared pool, returned to it when the form is
    /// disposed: Orleans' ADO.NET provider copies the payload into its command's parameter anyway, so a write needs no
    /// array of its own.
    /// </summary>
    public StoredForm ToStoredForm<T>(T? value)
    {
        using var session = sessions.GetSession();
        var references = t_references ??= new Dictionary<object, uint>(256, ReferenceEqualityComparer.Instance);
        t_references = null; // a serializer that calls back in here on this thread makes its own
        ReferenceTable(session.ReferencedObjects) = references;
        var writer = Writer.CreatePooled(session);
        try
        {
            serializer.Serialize(value, ref writer);
            var length = writer.Output.Length;
            var payload = ArrayPool<byte>.Shared.Rent(length);
            writer.Output.CopyTo(payload);
            return new StoredForm(payload, length);
        }
        finally
        {
            writer.Dispose();
            ReferenceTable(session.ReferencedObjects) = null;
            if (references.Count <= MaxKeptReferences)
            {
                references.Clear();
                t_references = references;
            }
        }
    }

    /// <summary>The session's table of the objects written so far, made on demand past its first 64.</summary>
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_objectToReferenceOverflow")]
    private static extern ref Dictionary<object, uint>? ReferenceTable(ReferencedObjectCollection references);

    public BinaryData Serialize<T>(T? input) => input is StoredForm stored ? new(stored.Payload) : new(ToBytes(input));

    public T? Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToMemory());
}

/// <summary>
/// A grain's state already in its stored form: serialized before the write waits for the database, in an array from
/// the shared pool that goes back to it on <see cref="Dispose"/>, once the write has taken its copy.
/// </summary>
internal sealed class StoredForm(byte[] pooled, int length) : IDisposable
{
    private byte[]? _pooled = pooled;

    public ReadOnlyMemory<byte> Payload => _pooled is { } bytes ? bytes.AsMemory(0, length) : throw new ObjectDisposedException(nameof(StoredForm));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pooled, null) is { } bytes)
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
