using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Enterprises;

internal sealed class PartnerEnterpriseGrain(
    [PersistentState("enterprise", GrainStorage.Name)] IPersistentState<PartnerEnterpriseGrain.State> state,
    Roster roster,
    IOptions<ActivityLogOptions> options,
    TimeProvider clock) : Grain, IPartnerEnterpriseGrain
{
    private EnterpriseProfile _profile = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _profile = roster.FindEnterprise(this.GetPrimaryKeyString())
            ?? throw new ArgumentException($"No enterprise \"{this.GetPrimaryKeyString()}\" in the roster.");
        return Task.CompletedTask;
    }

    public async Task Record(ImmutableArray<ActivityRecord> activities)
    {
        var before = Held();
        var counted = false;
        foreach (var activity in activities.OrderBy(a => a.Sequence))
        {
            if (activity.Sequence <= state.State.Totals.LastSequenceByTeam.GetValueOrDefault(activity.TeamId, -1))
            {
                continue;
            }

            state.State.Totals = Aggregation.Add(state.State.Totals, activity);
            state.State.Recent.Insert(0, activity);
            counted = true;
        }

        if (!counted)
        {
            return;
        }

        var keep = options.Value.EffectiveRecentCount;
        if (state.State.Recent.Count > keep)
        {
            state.State.Recent.RemoveRange(keep, state.State.Recent.Count - keep);
        }

        state.State.AsOf = clock.GetUtcNow();
        await Save(before);
    }

    public async Task Correct(ImmutableArray<ActivityChange> changes)
    {
        var me = this.GetPrimaryKeyString();
        var before = Held();
        var counted = false;
        foreach (var change in changes.OrderBy(c => c.Current.Sequence))
        {
            var (previous, current) = (change.Previous, change.Current);
            if (current.Sequence <= state.State.Totals.LastSequenceByTeam.GetValueOrDefault(current.TeamId, -1))
            {
                continue;
            }

            var totals = state.State.Totals;
            if (previous.Partners.Contains(me))
            {
                totals = Aggregation.Remove(totals, previous);
            }

            if (!current.Voided && current.Partners.Contains(me))
            {
                totals = Aggregation.Add(totals, current);
            }

            state.State.Totals = totals with { LastSequenceByTeam = totals.LastSequenceByTeam.SetItem(current.TeamId, current.Sequence) };
            var at = state.State.Recent.FindIndex(a => a.Id == current.Id);
            if (at >= 0)
            {
                state.State.Recent.RemoveAt(at);
            }

            if (!current.Voided && current.Partners.Contains(me))
            {
                state.State.Recent.Insert(Math.Max(0, at), current);
            }

            counted = true;
        }

        if (counted)
        {
            state.State.AsOf = clock.GetUtcNow();
            await Save(before);
        }
    }

    public Task<EnterpriseSummary> GetSummary() => Task.FromResult(new EnterpriseSummary
    {
        Profile = _profile,
        Totals = state.State.Totals,
        Recent = [.. state.State.Recent],
        AsOf = state.State.AsOf,
    });

    public async Task Replace(EnterpriseTotals totals)
    {
        var before = Held();
        state.State.Totals = totals;
        state.State.AsOf = clock.GetUtcNow();
        await Save(before);
    }

    private (EnterpriseTotals Totals, List<ActivityRecord> Recent, DateTimeOffset AsOf) Held() =>
        (state.State.Totals, [.. state.State.Recent], state.State.AsOf);

    /// <summary>Writes the state; if that fails, the figures go back to what was stored before, so none is shown that was not stored.</summary>
    private async Task Save((EnterpriseTotals Totals, List<ActivityRecord> Recent, DateTimeOffset AsOf) before)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            (state.State.Totals, state.State.Recent, state.State.AsOf) = before;
            DeactivateOnIdle();
            throw;
        }

        GrainFactory.Cached<IStandingRelayGrain>(0).ReportEnterprise(Standing()).Ignore();
    }

    public Task<EnterpriseStanding> GetStanding() => Task.FromResult(Standing());

    private EnterpriseStanding Standing() => new()
    {
        EnterpriseId = _profile.Id,
        Total = state.State.Totals.Total,
        AsOf = state.State.AsOf,
    };

    [GenerateSerializer, Alias("vh.PartnerEnterpriseGrain.State")]
    public sealed class State
    {
        [Id(0)] public EnterpriseTotals Totals { get; set; } = EnterpriseTotals.Empty;
        [Id(1)] public List<ActivityRecord> Recent { get; set; } = [];
        [Id(2)] public DateTimeOffset AsOf { get; set; }
    }
}
