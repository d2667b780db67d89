using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Enterprises;

/// <summary>
/// A partner enterprise. Teams tell it of their activities after acknowledging them, so nobody waits on its writes:
/// what the teams send within <see cref="GatherDelay"/> of each other is counted and stored in one write. It shows
/// only what it has stored.
/// </summary>
internal sealed class PartnerEnterpriseGrain(
    [PersistentState("enterprise", GrainStorage.Name)] IPersistentState<PartnerEnterpriseGrain.State> state,
    Roster roster,
    IOptions<ActivityLogOptions> options,
    TimeProvider clock) : Grain, IPartnerEnterpriseGrain
{
    /// <summary>How long a write waits for more to join it: with many teams telling one enterprise, one write instead of several.</summary>
    internal static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(100);

    private readonly List<PendingChange> _queue = [];
    private Task? _writing;

    // Set when a write failed: the stored copy may not be the one read; calls are refused until the next activation.
    private bool _leaving;
    private EnterpriseProfile _profile = null!;
    private EnterpriseSummary _shown = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _profile = roster.FindEnterprise(this.GetPrimaryKeyString())
            ?? throw new ArgumentException($"No enterprise \"{this.GetPrimaryKeyString()}\" in the roster.");
        Show();
        return Task.CompletedTask;
    }

    /// <summary>Leaving memory gracefully: what was sent to it is stored first.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writing is { } writing)
        {
            await writing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
    }

    public Task Record(ImmutableArray<ActivityRecord> activities) => Enqueue(() => Count(activities));

    public Task Correct(ImmutableArray<ActivityChange> changes) => Enqueue(() => Follow(changes));

    public Task Replace(EnterpriseTotals totals) => Enqueue(() =>
    {
        state.State.Totals = totals;
        return true;
    });

    public Task<EnterpriseSummary> GetSummary() => Task.FromResult(_shown);

    public Task<EnterpriseStanding> GetStanding() => Task.FromResult(Standing());

    private Task Enqueue(Func<bool> change)
    {
        if (_leaving)
        {
            return Task.FromException(new InvalidOperationException($"Enterprise {_profile.Id} is restarting after a failed write; try again."));
        }

        var pending = new PendingChange(change, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(pending);
        if (_writing is null || _writing.IsCompleted)
        {
            _writing = WriteQueued();
        }

        return pending.Done.Task;
    }

    /// <summary>Counts what arrived while it waited and stores it in one write; each caller is answered once that write is stored.</summary>
    private async Task WriteQueued()
    {
        while (_queue.Count > 0)
        {
            await Task.Delay(GatherDelay);
            var batch = _queue.ToList();
            _queue.Clear();
            try
            {
                var changed = false;
                foreach (var pending in batch)
                {
                    changed |= pending.Change();
                }

                if (changed)
                {
                    var keep = options.Value.EffectiveRecentCount;
                    if (state.State.Recent.Count > keep)
                    {
                        state.State.Recent.RemoveRange(keep, state.State.Recent.Count - keep);
                    }

                    state.State.AsOf = clock.GetUtcNow();
                    await state.WriteStateAsync();
                    Show();
                    GrainFactory.Cached<IStandingRelayGrain>(0).ReportEnterprise(Standing()).Ignore();
                }
            }
            catch (Exception e)
            {
                // Back to what was last stored, which is what readers are shown.
                (state.State.Totals, state.State.Recent, state.State.AsOf) = (_shown.Totals, [.. _shown.Recent], _shown.AsOf);
                _leaving = true;
                DeactivateOnIdle();
                foreach (var pending in batch.Concat(_queue))
                {
                    pending.Done.TrySetException(e);
                }

                _queue.Clear();
                return;
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Counts activities that involved this enterprise. An activity whose team sequence is not newer than the last one
    /// counted from that team is skipped, so a team may tell again after a crash.
    /// </summary>
    private bool Count(ImmutableArray<ActivityRecord> activities)
    {
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

        return counted;
    }

    /// <summary>Follows corrections of activities that involved this enterprise before, after, or both; skips them like <see cref="Count"/>.</summary>
    private bool Follow(ImmutableArray<ActivityChange> changes)
    {
        var me = this.GetPrimaryKeyString();
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

        return counted;
    }

    /// <summary>What readers see: the state as last stored, never a batch still being written.</summary>
    private void Show() => _shown = new EnterpriseSummary
    {
        Profile = _profile,
        Totals = state.State.Totals,
        Recent = [.. state.State.Recent],
        AsOf = state.State.AsOf,
    };

    private EnterpriseStanding Standing() => new()
    {
        EnterpriseId = _profile.Id,
        Total = _shown.Totals.Total,
        AsOf = _shown.AsOf,
    };

    private sealed record PendingChange(Func<bool> Change, TaskCompletionSource Done);

    [GenerateSerializer, Alias("vh.PartnerEnterpriseGrain.State")]
    public sealed class State
    {
        [Id(0)] public EnterpriseTotals Totals { get; set; } = EnterpriseTotals.Empty;
        [Id(1)] public List<ActivityRecord> Recent { get; set; } = [];
        [Id(2)] public DateTimeOffset AsOf { get; set; }
    }
}
