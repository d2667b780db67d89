using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
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
/// <remarks>
/// That write is an entry of the enterprise's journal (<see cref="Change"/>: what its callers sent, as they sent it),
/// which the store writes together with other enterprises' and teams' entries; the whole state (its totals by team
/// and by domain, and its latest activities) is written every <see cref="ActivityLogOptions.CheckpointEvery"/>
/// entries and when it leaves memory, and an activation applies the entries written since, through the same code.
/// </remarks>
internal sealed partial class PartnerEnterpriseGrain(
    [PersistentState("enterprise", GrainStorage.Name)] IPersistentState<PartnerEnterpriseGrain.State> state,
    Roster roster,
    IJournal journal,
    Serializer serializer,
    IOptions<ActivityLogOptions> options,
    TimeProvider clock,
    ILogger<PartnerEnterpriseGrain> logger) : Grain, IPartnerEnterpriseGrain
{
    /// <summary>How long a write waits for more to join it: with many teams telling one enterprise, one write instead of several.</summary>
    internal static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(100);

    private readonly ActivityLogOptions _options = options.Value;
    private readonly List<PendingChange> _queue = [];
    private Task? _writing;

    // Set when a write failed: the stored copy may not be the one read; calls are refused until the next activation.
    private bool _leaving;
    private EnterpriseProfile _profile = null!;
    private EnterpriseSummary _shown = null!;

    // Its journal; the state stored last includes its entries before State.JournalNext.
    private JournalStream<Change>? _journalStream;

    private JournalStream<Change> Journal => _journalStream ??= new(journal, serializer, "enterprise/" + this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _profile = roster.FindEnterprise(this.GetPrimaryKeyString())
            ?? throw new ArgumentException($"No enterprise \"{this.GetPrimaryKeyString()}\" in the roster.");
        await Replay();
        Show();
    }

    /// <summary>
    /// Leaving memory gracefully: what was sent to it is stored first, and the whole state if the journal holds entries
    /// past it, so that the next activation has none to apply.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writing is { } writing)
        {
            await writing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        if (_leaving || Journal.Next == state.State.JournalNext || cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await Checkpoint();
        }
        catch (Exception e)
        {
            // The journal still holds every entry: the next activation applies them.
            LogCheckpointFailed(logger, e, _profile.Id);
        }
    }

    public Task Record(ImmutableArray<ActivityRecord> activities) => Enqueue(new Step { Counted = activities });

    public Task Correct(ImmutableArray<ActivityChange> changes) => Enqueue(new Step { Followed = changes });

    public Task Replace(EnterpriseTotals totals) => Enqueue(new Step { Replaced = totals });

    public Task<EnterpriseSummary> GetSummary() => Task.FromResult(_shown);

    public Task<EnterpriseStanding> GetStanding() => Task.FromResult(Standing());

    private Task Enqueue(Step step)
    {
        if (_leaving)
        {
            return Task.FromException(new InvalidOperationException($"Enterprise {_profile.Id} is restarting after a failed write; try again."));
        }

        var pending = new PendingChange(step, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(pending);
        if (_writing is null || _writing.IsCompleted)
        {
            _writing = WriteQueued();
        }

        return pending.Done.Task;
    }

    /// <summary>
    /// Counts what arrived while it waited and stores it as one journal entry; each caller is answered once that entry
    /// is stored. The whole state follows when enough entries have been stored since it was last written.
    /// </summary>
    private async Task WriteQueued()
    {
        while (_queue.Count > 0)
        {
            await Task.Delay(GatherDelay);
            var batch = _queue.ToList();
            _queue.Clear();
            try
            {
                var steps = ImmutableArray.CreateBuilder<Step>();
                foreach (var pending in batch)
                {
                    if (Apply(pending.Step))
                    {
                        steps.Add(pending.Step);
                    }
                }

                if (steps.Count > 0)
                {
                    var change = new Change { Steps = steps.ToImmutable(), AsOf = clock.GetUtcNow() };
                    Settle(change);
                    await Journal.Append(change, canWait: true);
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

            if (Journal.Next - state.State.JournalNext >= _options.EffectiveCheckpointEvery)
            {
                try
                {
                    await Checkpoint();
                }
                catch (Exception e)
                {
                    // What the callers sent is stored in the journal all the same; the next activation applies it.
                    LogCheckpointFailed(logger, e, _profile.Id);
                    _leaving = true;
                    DeactivateOnIdle();
                    foreach (var pending in _queue)
                    {
                        pending.Done.TrySetException(e);
                    }

                    _queue.Clear();
                    return;
                }
            }
        }
    }

    /// <summary>Applies the journal's entries written after the stored state, in their order.</summary>
    private async Task Replay()
    {
        var applied = await Journal.Replay(state.State.JournalNext, change =>
        {
            foreach (var step in change.Steps)
            {
                Apply(step);
            }

            Settle(change);
        });
        if (applied > 0)
        {
            LogReplayed(logger, _profile.Id, applied);
        }
    }

    /// <summary>Writes the whole state, which then includes every journal entry so far; the journal lets go of them.</summary>
    private async Task Checkpoint()
    {
        var included = state.State.JournalNext;
        state.State.JournalNext = Journal.Next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.JournalNext = included;
            throw;
        }

        Journal.Forget(state.State.JournalNext);
    }

    /// <summary>One caller's step applied to the held state; whether it changed anything.</summary>
    private bool Apply(Step step) => step switch
    {
        { Replaced: { } totals } => Replaced(totals),
        { Followed.IsDefaultOrEmpty: false } => Follow(step.Followed),
        { Counted.IsDefaultOrEmpty: false } => Count(step.Counted),
        _ => false,
    };

    private bool Replaced(EnterpriseTotals totals)
    {
        state.State.Totals = totals;
        return true;
    }

    /// <summary>What follows an entry's steps, as it was stored and as it is applied again: the latest activities kept, and when.</summary>
    private void Settle(Change change)
    {
        var keep = _options.EffectiveRecentCount;
        if (state.State.Recent.Count > keep)
        {
            state.State.Recent.RemoveRange(keep, state.State.Recent.Count - keep);
        }

        state.State.AsOf = change.AsOf;
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

    private sealed record PendingChange(Step Step, TaskCompletionSource Done);

    [LoggerMessage(Level = LogLevel.Information, Message = "Enterprise {EnterpriseId}: applied {Count} journal entries written after its stored state")]
    private static partial void LogReplayed(ILogger logger, string enterpriseId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Enterprise {EnterpriseId}: writing its whole state failed; its journal keeps the entries since, for its next activation to apply")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string enterpriseId);

    [GenerateSerializer, Alias("vh.PartnerEnterpriseGrain.State")]
    public sealed class State
    {
        [Id(0)] public EnterpriseTotals Totals { get; set; } = EnterpriseTotals.Empty;
        [Id(1)] public List<ActivityRecord> Recent { get; set; } = [];
        [Id(2)] public DateTimeOffset AsOf { get; set; }

        /// <summary>The first journal entry this state does not include: an activation applies it and those after it.</summary>
        [Id(3)] public long JournalNext { get; set; }
    }

    /// <summary>One caller's message: activities to count, corrections to follow, or totals recomputed from the logs.</summary>
    [GenerateSerializer, Immutable, Alias("vh.PartnerEnterpriseGrain.Step")]
    public sealed record Step
    {
        [Id(0)] public ImmutableArray<ActivityRecord> Counted { get; init; }
        [Id(1)] public ImmutableArray<ActivityChange> Followed { get; init; }
        [Id(2)] public EnterpriseTotals? Replaced { get; init; }
    }

    /// <summary>A journal entry: the steps of one write that changed something, in the order they arrived, and when it was made.</summary>
    [GenerateSerializer, Immutable, Alias("vh.PartnerEnterpriseGrain.Change")]
    public sealed record Change
    {
        [Id(0)] public required ImmutableArray<Step> Steps { get; init; }
        [Id(1)] public required DateTimeOffset AsOf { get; init; }
    }
}
