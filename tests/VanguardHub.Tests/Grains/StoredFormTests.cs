using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Session;
using Orleans.Storage;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Activities;
using VanguardHub.Grains.Teams;
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
        using (var form = storedForm.ToStoredForm(chunk))
        {
            storedForm.Serialize(form).ToArray().Should().Equal(bytes, "state serialized ahead of its write is stored as it is");
        }

        var read = storedForm.Deserialize<ActivityLogChunkGrain.State>(new BinaryData(bytes))!;
        read.Activities.Should().HaveCount(records);
        read.Activities.Select(a => (a.Id, a.Sequence, a.Outcomes.ResidentsServed, a.Title, a.Partners.Length))
            .Should().Equal(chunk.Activities.Select(a => (a.Id, a.Sequence, a.Outcomes.ResidentsServed, a.Title, a.Partners.Length)));
        storedForm.ToBytes(read).Should().Equal(bytes);
    }

    [Fact]
    public void States_stored_one_after_another_on_one_thread_each_get_Orleans_own_bytes_and_keep_their_shared_records()
    {
        var records = Enumerable.Range(0, 40)
            .Select(i => TestData.Activity(TestData.RedPomegranate, partners: i % 4 == 0 ? [TestData.Yuneng] : null, residents: i) with { Sequence = i })
            .ToList();
        var team = new TeamState
        {
            LogLength = records.Count,
            Recent = [.. records.AsEnumerable().Reverse().Take(10)],
            PendingAppends = [.. records.Select(r => new PendingAppend { ActivityId = r.Id, ChunkKey = ActivityLogKeys.Chunk(TestData.RedPomegranate, "202611", 1), Record = r })],
        };
        var chunk = new ActivityLogChunkGrain.State { Activities = [.. records] };
        var small = new ActivityLogChunkGrain.State { Activities = [records[0]] };
        var serializer = _services.GetRequiredService<Serializer>();
        var storedForm = new StoredFormSerializer(serializer, _services.GetRequiredService<SerializerSessionPool>());
        var orleans = new OrleansGrainStorageSerializer(serializer);

        for (var round = 0; round < 3; round++)
        {
            storedForm.ToBytes(team).Should().Equal(orleans.Serialize(team).ToArray(), "round {0}: a team state", round);
            storedForm.ToBytes(small).Should().Equal(orleans.Serialize(small).ToArray(), "round {0}: a state of few objects", round);
            storedForm.ToBytes(chunk).Should().Equal(orleans.Serialize(chunk).ToArray(), "round {0}: a chunk after a team state", round);
        }

        var read = storedForm.Deserialize<TeamState>(new BinaryData(storedForm.ToBytes(team)))!;
        read.Recent.Should().HaveCount(10);
        read.Recent[0].Should().BeSameAs(read.PendingAppends[^1].Record, "a record in both lists is stored once");
        read.PendingAppends.Select(p => p.Record!.Outcomes.ResidentsServed).Should().Equal(Enumerable.Range(0, 40));
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
