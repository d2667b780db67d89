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
internal sealed class StoredFormSerializer(Serializer serializer, SerializerSessionPool sessions) : IGrainStorageSerializer
{
    /// <summary>The stored bytes of <paramref name="value"/>, in an array of exactly their length.</summary>
    public byte[] ToBytes<T>(T? value)
    {
        using var session = sessions.GetSession();
        var writer = Writer.CreatePooled(session);
        try
        {
            serializer.Serialize(value, ref writer);
            return writer.Output.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public BinaryData Serialize<T>(T? input) => new(input is StoredForm stored ? stored.Payload : ToBytes(input));

    public T? Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToMemory());
}

/// <summary>A grain's state already in its stored form: serialized before the write waits for the database.</summary>
internal sealed class StoredForm(byte[] payload)
{
    public byte[] Payload { get; } = payload;
}
