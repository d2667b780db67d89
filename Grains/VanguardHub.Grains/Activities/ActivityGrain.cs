using VanguardHub.Contracts.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

internal sealed class ActivityGrain(
    [PersistentState("activity", GrainStorage.Name)] IPersistentState<ActivityGrain.State> state) : Grain, IActivityGrain
{
    public async Task<ActivityClaim?> Claim(ActivityClaim claim)
    {
        if (state.State.Claim is { } existing)
        {
            DeactivateOnIdle();
            return existing;
        }

        state.State.Claim = claim;
        await state.WriteStateAsync();

        // A claim is looked at again only for a resend or a lookup: no reason to hold millions of them in memory.
        DeactivateOnIdle();
        return null;
    }

    public async Task Replace(ActivityClaim claim)
    {
        if (state.State.Claim is { } existing && (existing.TeamId != claim.TeamId || existing.Fingerprint != claim.Fingerprint))
        {
            throw new InvalidOperationException("A claim can only be replaced by the same team with the same content.");
        }

        state.State.Claim = claim;
        await state.WriteStateAsync();
    }

    public Task<ActivityClaim?> GetClaim() => Task.FromResult(state.State.Claim);

    [GenerateSerializer, Alias("vh.ActivityGrain.State")]
    public sealed class State
    {
        [Id(0)] public ActivityClaim? Claim { get; set; }
    }
}
