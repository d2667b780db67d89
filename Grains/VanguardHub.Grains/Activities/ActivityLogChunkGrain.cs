using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

/// <summary>
/// Timelines read whole months, so a chunk that was read leaves memory two idle minutes later rather than after the
/// default's quarter of an hour: reading every team's whole history does not keep it all resident for long.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
internal sealed class ActivityLogChunkGrain(
    [PersistentState("chunk", GrainStorage.Name)] IPersistentState<ActivityLogChunkGrain.State> state) : Grain, IActivityLogChunkGrain
{
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
