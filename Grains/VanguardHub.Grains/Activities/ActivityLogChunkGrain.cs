using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

internal sealed class ActivityLogChunkGrain(
    [PersistentState("chunk", GrainStorage.Name)] IPersistentState<ActivityLogChunkGrain.State> state,
    IOptions<ActivityLogOptions> options) : Grain, IActivityLogChunkGrain
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

    public Task<ImmutableArray<ActivityRecord>> GetActivities()
    {
        // A full chunk takes no more appends: once read it need not stay in memory, or reading every team's whole
        // timeline would keep the whole history there. A month's last chunk stays for the appends to come.
        if (state.State.Activities.Length >= options.Value.EffectiveChunkCapacity)
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(state.State.Activities);
    }

    /// <summary>The latest revision of the activity this chunk holds.</summary>
    public Task<ActivityRecord?> Find(Guid activityId) =>
        Task.FromResult(state.State.Activities.Where(a => a.Id == activityId).MaxBy(a => a.Revision));

    [GenerateSerializer, Alias("vh.ActivityLogChunkGrain.State")]
    public sealed class State
    {
        [Id(0)] public ImmutableArray<ActivityRecord> Activities { get; set; } = [];
    }
}
