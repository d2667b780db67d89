using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Activities;

/// <summary>
/// The store's activity ids, in memory, with group commit: claims that arrive while one page write is under way are
/// stored together by the next, so the index costs a fraction of a write per activity instead of one each. Only the
/// last page is ever written, so a write is bounded however many ids the store holds.
/// </summary>
internal sealed partial class ActivityIndexGrain(
    [PersistentState("index", GrainStorage.Name)] IPersistentState<ActivityIndexGrain.State> state,
    Roster roster,
    ILogger<ActivityIndexGrain> logger) : Grain, IActivityIndexGrain
{
    /// <summary>Locations per page: a page write is at most about 16 KiB.</summary>
    internal const int PageCapacity = 256;

    private const int PagesReadTogether = 32;

    private readonly Dictionary<Guid, Slot> _held = [];
    private readonly List<string> _teams = [];
    private readonly Dictionary<string, short> _teamNumbers = new(StringComparer.Ordinal);
    private readonly List<PendingClaim> _queue = [];
    private Task? _writing;
    private int _pages;
    private int _lastPageFill;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await ReadPages();
        if (!state.State.Built)
        {
            await BuildFromLogs();
        }
    }

    public Task<ActivityLocation?> Find(Guid activityId) =>
        Task.FromResult(_held.TryGetValue(activityId, out var slot) ? At(activityId, slot) : null);

    public Task<ImmutableArray<ActivityLocation?>> Claim(ImmutableArray<ActivityLocation> locations)
    {
        var request = new PendingClaim(locations, new TaskCompletionSource<ImmutableArray<ActivityLocation?>>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(request);
        if (_writing is null || _writing.IsCompleted)
        {
            _writing = WriteQueued();
        }

        return request.Result.Task;
    }

    private async Task WriteQueued()
    {
        while (_queue.Count > 0)
        {
            var batch = _queue.ToList();
            _queue.Clear();
            try
            {
                await Store(batch);
            }
            catch (Exception e)
            {
                // What storage holds is read again by the next activation.
                DeactivateOnIdle();
                foreach (var request in batch.Concat(_queue))
                {
                    request.Result.TrySetException(e);
                }

                _queue.Clear();
            }
        }
    }

    private async Task Store(List<PendingClaim> batch)
    {
        var fresh = new List<ActivityLocation>();
        var claimedNow = new Dictionary<Guid, ActivityLocation>();
        var answers = batch.Select(request => request.Locations.Select(location =>
        {
            if (_held.TryGetValue(location.ActivityId, out var slot))
            {
                return At(location.ActivityId, slot);
            }

            if (claimedNow.TryGetValue(location.ActivityId, out var first))
            {
                return first;
            }

            claimedNow[location.ActivityId] = location;
            fresh.Add(location);
            return null;
        }).ToImmutableArray()).ToList();

        if (fresh.Count > 0)
        {
            await Append(fresh);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(answers[i]);
        }
    }

    /// <summary>Fills the last page, then opens new ones; all written before any of it counts as held.</summary>
    private async Task Append(IReadOnlyList<ActivityLocation> locations)
    {
        var (pages, fill) = (_pages, _lastPageFill);
        var writes = new List<Task>();
        for (var offset = 0; offset < locations.Count;)
        {
            if (pages == 0 || fill >= PageCapacity)
            {
                pages++;
                fill = 0;
            }

            var take = Math.Min(PageCapacity - fill, locations.Count - offset);
            writes.Add(GrainFactory.Cached<IActivityIndexPageGrain>(pages - 1).Append([.. locations.Skip(offset).Take(take)]));
            offset += take;
            fill += take;
        }

        await Task.WhenAll(writes);
        (_pages, _lastPageFill) = (pages, fill);
        if (pages > state.State.Pages)
        {
            // Once per page: how many there are, so the next activation sizes its table once.
            state.State.Pages = pages;
            await state.WriteStateAsync();
        }

        foreach (var location in locations)
        {
            Hold(location);
        }
    }

    /// <summary>
    /// Reads the pages straight from storage, many at a time: a page is read here once per activation, so it need not
    /// become a grain (only the last page does, when it is written).
    /// </summary>
    private async Task ReadPages()
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
        _held.EnsureCapacity(state.State.Pages * PageCapacity);
        for (var first = 0; ; first += PagesReadTogether)
        {
            var pages = await Task.WhenAll(Enumerable.Range(first, PagesReadTogether).Select(async i =>
            {
                var page = new GrainState<ActivityIndexPageGrain.State>(new ActivityIndexPageGrain.State());
                await storage.ReadStateAsync(ActivityIndexPageGrain.StateName, GrainFactory.GetGrain<IActivityIndexPageGrain>(i).GetGrainId(), page);
                return page.State?.Locations ?? [];
            }));
            foreach (var page in pages)
            {
                if (page.IsDefaultOrEmpty)
                {
                    return;
                }

                foreach (var location in page)
                {
                    Hold(location);
                }

                _pages++;
                _lastPageFill = page.Length;
                if (page.Length < PageCapacity)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// A store written before the index existed: every team lists the ids its log holds. Runs once; on a new store
    /// there is nothing to list.
    /// </summary>
    private async Task BuildFromLogs()
    {
        var logs = await Task.WhenAll(roster.Teams.Select(t => GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).GetLocations()));
        var missing = logs.SelectMany(l => l).Where(l => !_held.ContainsKey(l.ActivityId)).DistinctBy(l => l.ActivityId).ToList();
        if (missing.Count > 0)
        {
            await Append(missing);
            LogBuilt(logger, missing.Count);
        }

        state.State.Built = true;
        await state.WriteStateAsync();
    }

    private void Hold(ActivityLocation location)
    {
        if (!_teamNumbers.TryGetValue(location.TeamId, out var team))
        {
            _teamNumbers[location.TeamId] = team = checked((short)_teams.Count);
            _teams.Add(location.TeamId);
        }

        _held.TryAdd(location.ActivityId, new Slot(team, int.Parse(location.MonthKey, CultureInfo.InvariantCulture), location.Fingerprint));
    }

    private ActivityLocation At(Guid activityId, Slot slot) => new()
    {
        ActivityId = activityId,
        TeamId = _teams[slot.Team],
        MonthKey = slot.Month.ToString(CultureInfo.InvariantCulture),
        Fingerprint = slot.Fingerprint,
    };

    /// <summary>16 bytes a slot (the index is mostly these): the team by number, the month as yyyyMM.</summary>
    private readonly record struct Slot(short Team, int Month, long Fingerprint);

    private sealed record PendingClaim(ImmutableArray<ActivityLocation> Locations, TaskCompletionSource<ImmutableArray<ActivityLocation?>> Result);

    [GenerateSerializer, Alias("vh.ActivityIndexGrain.State")]
    public sealed class State
    {
        /// <summary>The ids of activities logged before the index existed have been added.</summary>
        [Id(0)] public bool Built { get; set; }

        /// <summary>Pages started so far (at least; the pages themselves are the truth).</summary>
        [Id(1)] public int Pages { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Activity index built from the teams' logs: {Count} activity ids")]
    private static partial void LogBuilt(ILogger logger, int count);
}

internal sealed class ActivityIndexPageGrain(
    [PersistentState(ActivityIndexPageGrain.StateName, GrainStorage.Name)] IPersistentState<ActivityIndexPageGrain.State> state) : Grain, IActivityIndexPageGrain
{
    public const string StateName = "indexpage";

    public async Task Append(ImmutableArray<ActivityLocation> locations)
    {
        state.State.Locations = state.State.Locations.AddRange(locations);
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

    [GenerateSerializer, Alias("vh.ActivityIndexPageGrain.State")]
    public sealed class State
    {
        [Id(0)] public ImmutableArray<ActivityLocation> Locations { get; set; } = [];
    }
}
