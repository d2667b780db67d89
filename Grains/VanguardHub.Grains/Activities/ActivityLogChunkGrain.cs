using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

/// <summary>
/// Up to <see cref="ActivityLogOptions.ChunkCapacity"/> records of one team's month, in the order they were logged.
/// Teams read full chunks straight from storage; as a grain, a chunk takes appends and serves reads of a month's last
/// chunk, and leaves memory two idle minutes after its last call rather than the default's quarter of an hour, or as
/// soon as it is full: nothing is appended to it after that, and teams read it from storage.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
internal sealed class ActivityLogChunkGrain(
    [PersistentState(ActivityLogChunkGrain.StateName, GrainStorage.Name)] IPersistentState<ActivityLogChunkGrain.State> state,
    IOptions<ActivityLogOptions> options) : Grain, IActivityLogChunkGrain
{
    /// <summary>The chunk's state in storage; teams read full chunks from there directly.</summary>
    public const string StateName = "chunk";

    public async Task Append(ImmutableArray<ActivityRecord> activities)
    {
        var held = state.State.Activities.Select(a => (a.Id, a.Revision)).ToHashSet();
        var added = activities.Where(a => held.Add((a.Id, a.Revision))).ToList();
        if (added.Count == 0)
        {
            return;
        }

        state.State.Activities = state.State.Activities.AddRange(added);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Forget the unsaved append; the next activation reads what storage really holds.
            DeactivateOnIdle();
            throw;
        }

        if (state.State.Activities.Length >= options.Value.EffectiveChunkCapacity)
        {
            // Under a burst of back-filled batches, full chunks kept for their two minutes held most of the memory.
            DeactivateOnIdle();
        }
    }

    public Task<ImmutableArray<ActivityRecord>> GetActivities() => Task.FromResult(state.State.Activities);

    /// <summary>The latest revision of the activity this chunk holds.</summary>
    public Task<ActivityRecord?> Find(Guid activityId) =>
        Task.FromResult(state.State.Activities.Where(a => a.Id == activityId).MaxBy(a => a.Revision));

    [GenerateSerializer, Alias("vh.ActivityLogChunkGrain.State")]
    public sealed class State
    {
        [Id(0)] public ImmutableArray<ActivityRecord> Activities { get; set; } = [];
    }
}
