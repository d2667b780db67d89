using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Session;
using Orleans.Storage;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Activities;
using VanguardHub.Silo.Hosting.Storage;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Grains;

/// <summary>The stored form of grain state: the bytes every earlier store holds, read back to the same records.</summary>
public sealed class StoredFormTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(ActivityLogChunkGrain).Assembly).AddAssembly(typeof(ActivityRecord).Assembly))
        .BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(1024)]
    public void A_chunk_is_stored_as_Orleans_own_serializer_stores_it_and_reads_back_whole(int records)
    {
        var chunk = new ActivityLogChunkGrain.State
        {
            Activities = [.. Enumerable.Range(0, records).Select(i => TestData.Activity(TestData.RedPomegranate, partners: i % 3 == 0 ? [TestData.Yuneng] : null, residents: i) with { Sequence = i })],
        };
        var serializer = _services.GetRequiredService<Serializer>();
        var storedForm = new StoredFormSerializer(serializer, _services.GetRequiredService<SerializerSessionPool>());

        var bytes = storedForm.ToBytes(chunk);

        bytes.Should().Equal(new OrleansGrainStorageSerializer(serializer).Serialize(chunk).ToArray());
        storedForm.Serialize(new StoredForm(bytes)).ToArray().Should().Equal(bytes, "state serialized ahead of its write is stored as it is");
        var read = storedForm.Deserialize<ActivityLogChunkGrain.State>(new BinaryData(bytes))!;
        read.Activities.Should().HaveCount(records);
        read.Activities.Select(a => (a.Id, a.Sequence, a.Outcomes.ResidentsServed, a.Title, a.Partners.Length))
            .Should().Equal(chunk.Activities.Select(a => (a.Id, a.Sequence, a.Outcomes.ResidentsServed, a.Title, a.Partners.Length)));
        storedForm.ToBytes(read).Should().Equal(bytes);
    }

    [Fact]
    public void An_absent_state_is_stored_as_before()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var storedForm = new StoredFormSerializer(serializer, _services.GetRequiredService<SerializerSessionPool>());

        storedForm.ToBytes<ActivityLogChunkGrain.State>(null).Should().Equal(new OrleansGrainStorageSerializer(serializer).Serialize<ActivityLogChunkGrain.State>(null).ToArray());
        storedForm.ToBytes(ImmutableArray<ActivityRecord>.Empty).Should().Equal(new OrleansGrainStorageSerializer(serializer).Serialize(ImmutableArray<ActivityRecord>.Empty).ToArray());
    }
}
