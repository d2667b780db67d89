using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

internal sealed class ActivityLogChunkGrain(
    [PersistentState("chunk", GrainStorage.Name)] IPersistentState<ActivityLogChunkGrain.State> state) : Grain, IActivityLogChunkGrain
{
    public async Task Append(ActivityRecord activity)
    {
        if (state.State.Activities.Any(a => a.Id == activity.Id))
        {
            return;
        }

        state.State.Activities = state.State.Activities.Add(activity);
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

    public Task<ActivityRecord?> Find(Guid activityId) =>
        Task.FromResult(state.State.Activities.FirstOrDefault(a => a.Id == activityId));

    [GenerateSerializer, Alias("vh.ActivityLogChunkGrain.State")]
    public sealed class State
    {
        [Id(0)] public ImmutableArray<ActivityRecord> Activities { get; set; } = [];
    }
}
