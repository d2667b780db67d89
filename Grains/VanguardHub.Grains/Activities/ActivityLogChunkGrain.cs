using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

/// <summary>
/// Up to <see cref="ActivityLogOptions.ChunkCapacity"/> records of one team's month, in the order they were logged.
/// The team holds the records of its latest month's open chunk in its own state and appends them here once the chunk
/// is full (an earlier month's, or any when it holds too many, at once); it reads chunks straight from storage. So a
/// chunk is a grain only for its append, and leaves memory as soon as it is full, or two idle minutes after its last
/// call rather than the default's quarter of an hour.
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
            LeaveIfFull();
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

        LeaveIfFull();
    }

    private void LeaveIfFull()
    {
        if (state.State.Activities.Length >= options.Value.EffectiveChunkCapacity)
        {
            // Nothing is appended to a full chunk again; under a burst of back-filled batches, full chunks kept for
            // their two minutes held most of the memory.
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
