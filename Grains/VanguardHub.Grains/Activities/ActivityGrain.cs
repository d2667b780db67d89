using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

/// <summary>A claim from before the activity index, read to complete an append such a store had cut short.</summary>
internal sealed class ActivityGrain(
    [PersistentState("activity", GrainStorage.Name)] IPersistentState<ActivityGrain.State> state) : Grain, IActivityGrain
{
    public Task<ActivityClaim?> GetClaim() => Task.FromResult(state.State.Claim);

    [GenerateSerializer, Alias("vh.ActivityGrain.State")]
    public sealed class State
    {
        [Id(0)] public ActivityClaim? Claim { get; set; }
    }
}
