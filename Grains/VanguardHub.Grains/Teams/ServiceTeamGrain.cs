using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Teams;

/// <summary>
/// A service team. Logging an activity: claim its id (so a resend is recognised), count it here, append it to one
/// bounded log chunk, tell its partner enterprises, report the new standing to the city board. Each step writes a
/// bounded amount, whatever the history; the acknowledgement goes out only after all of it is stored.
/// </summary>
internal sealed partial class ServiceTeamGrain(
    [PersistentState("team", GrainStorage.Name)] IPersistentState<TeamState> state,
    Roster roster,
    IOptions<ActivityLogOptions> options,
    TimeProvider clock,
    ILogger<ServiceTeamGrain> logger) : Grain, IServiceTeamGrain
{
    private readonly ActivityLogOptions _options = options.Value;
    private TeamProfile _profile = null!;

    private string TeamId => this.GetPrimaryKeyString();

    private TeamState State => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _profile = roster.FindTeam(TeamId) ?? throw new ArgumentException($"No team \"{TeamId}\" in the roster.");
        if (State.LastAppend is { } last)
        {
            await CompleteLastAppend(last);
        }
    }

    public async Task<LogResult> LogActivity(ActivityRecord activity)
    {
        if (activity.TeamId != TeamId)
        {
            throw new ArgumentException($"Activity {activity.Id} belongs to team \"{activity.TeamId}\", not \"{TeamId}\".");
        }

        var fingerprint = activity.ContentFingerprint();
        var monthKey = BeijingTime.MonthKeyOf(activity.OccurredAt);
        var chunkKey = NextChunkKey(monthKey);
        var record = activity with { RecordedAt = clock.GetUtcNow(), Sequence = State.LogLength };
        var claim = new ActivityClaim { TeamId = TeamId, Fingerprint = fingerprint, ChunkKey = chunkKey, Activity = record };

        var activityGrain = GrainFactory.GetGrain<IActivityGrain>(activity.Id);
        if (await activityGrain.Claim(claim) is { } existing)
        {
            if (existing.TeamId != TeamId || existing.Fingerprint != fingerprint)
            {
                return new LogResult { Outcome = LogOutcome.IdConflict, Activity = existing.TeamId == TeamId ? existing.Activity : null };
            }

            if (await FindStored(existing) is { } stored)
            {
                return new LogResult { Outcome = LogOutcome.AlreadyStored, Activity = stored };
            }

            // The first attempt was cut short before it was counted: its claim is stale, take it over.
            LogStaleClaim(logger, activity.Id, TeamId);
            await activityGrain.Replace(claim);
        }

        Count(record, monthKey, chunkKey);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }

        try
        {
            await AppendAndNotify(record, chunkKey);
        }
        catch
        {
            // Counted but not yet appended: a fresh activation completes the append before serving anyone.
            DeactivateOnIdle();
            throw;
        }

        ReportStanding();
        return new LogResult { Outcome = LogOutcome.Created, Activity = record };
    }

    public Task<TeamSummary> GetSummary() => Task.FromResult(new TeamSummary
    {
        Profile = _profile,
        Aggregates = TrimmedAggregates(),
        Recent = [.. State.Recent],
        LastActivityAt = State.Recent.Count > 0 ? State.Recent[0].RecordedAt : null,
        AsOf = State.AsOf,
    });

    public Task<TeamStanding> GetStanding() => Task.FromResult(Standing());

    public async Task<TimelinePage> GetTimeline(TimelineQuery query)
    {
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, 500);
        var skip = (page - 1) * pageSize;
        var items = new List<ActivityRecord>(pageSize);
        var total = 0;

        foreach (var (monthKey, month) in State.Months.OrderByDescending(m => m.Key, StringComparer.Ordinal))
        {
            var monthStart = BeijingTime.StartOfMonth(monthKey);
            var monthEnd = BeijingTime.EndOfMonth(monthKey);
            if ((query.From is { } from && monthEnd <= from) || (query.To is { } to && monthStart >= to))
            {
                continue;
            }

            // A month wholly inside the range needs no reading just to be counted.
            var countOnly = query.Domain is null
                && (query.From is null || query.From <= monthStart)
                && (query.To is null || monthEnd <= query.To);
            if (countOnly)
            {
                total += month.Activities;
                if (items.Count >= pageSize || skip >= month.Activities)
                {
                    skip -= items.Count >= pageSize ? 0 : month.Activities;
                    continue;
                }
            }

            var matching = (await ReadMonth(monthKey, month))
                .Where(a => query.From is null || a.OccurredAt >= query.From)
                .Where(a => query.To is null || a.OccurredAt < query.To)
                .Where(a => query.Domain is null || a.Domain == query.Domain)
                .OrderByDescending(a => a.OccurredAt)
                .ThenByDescending(a => a.Sequence)
                .ToList();
            if (!countOnly)
            {
                total += matching.Count;
            }

            if (items.Count < pageSize)
            {
                if (skip >= matching.Count)
                {
                    skip -= matching.Count;
                }
                else
                {
                    items.AddRange(matching.Skip(skip).Take(pageSize - items.Count));
                    skip = 0;
                }
            }
        }

        return new TimelinePage { Page = page, PageSize = pageSize, Total = total, Items = [.. items] };
    }

    public async Task<TeamAudit> Audit()
    {
        var log = await ReadWholeLog();
        return AuditOf(log);
    }

    public async Task<TeamAudit> RebuildFromLog()
    {
        var log = await ReadWholeLog();
        var windowStart = WindowStart();
        State.Aggregates = Aggregation.FromLog(log, windowStart);
        foreach (var (monthKey, month) in State.Months)
        {
            month.Activities = log.Count(a => BeijingTime.MonthKeyOf(a.OccurredAt) == monthKey);
        }

        State.LogLength = Math.Max(State.LogLength, log.Count == 0 ? 0 : log.Max(a => a.Sequence) + 1);
        State.Recent = [.. log.OrderByDescending(a => a.Sequence).Take(_options.EffectiveRecentCount)];
        State.AsOf = clock.GetUtcNow();
        await state.WriteStateAsync();
        ReportStanding();
        LogRebuilt(logger, TeamId, log.Count);
        return AuditOf(log);
    }

    private TeamAudit AuditOf(IReadOnlyList<ActivityRecord> log)
    {
        var windowStart = WindowStart();
        var fromLog = Aggregation.FromLog(log, windowStart);
        var byPartner = ImmutableDictionary<string, EnterpriseTotals>.Empty;
        foreach (var activity in log)
        {
            foreach (var partner in activity.Partners)
            {
                byPartner = byPartner.SetItem(partner, Aggregation.Add(byPartner.GetValueOrDefault(partner, EnterpriseTotals.Empty), activity));
            }
        }

        var held = TrimmedAggregates();
        return new TeamAudit
        {
            TeamId = TeamId,
            StoredActivities = log.Count,
            FromLog = fromLog,
            Held = held,
            ByPartner = byPartner,
            Consistent = Aggregation.SameFigures(fromLog, held, windowStart) && log.Count == State.LogLength,
        };
    }

    private void Count(ActivityRecord record, string monthKey, string chunkKey)
    {
        if (!State.Months.TryGetValue(monthKey, out var month))
        {
            State.Months[monthKey] = month = new MonthLog();
        }

        if (month.Chunks == 0 || month.LastChunkFill >= _options.EffectiveChunkCapacity)
        {
            month.Chunks++;
            month.LastChunkFill = 0;
        }

        month.LastChunkFill++;
        month.Activities++;
        State.LogLength++;
        State.Aggregates = Aggregation.Add(State.Aggregates, record, WindowStart());
        State.Recent.Insert(0, record);
        if (State.Recent.Count > _options.EffectiveRecentCount)
        {
            State.Recent.RemoveRange(_options.EffectiveRecentCount, State.Recent.Count - _options.EffectiveRecentCount);
        }

        State.LastAppend = new LastAppend { ActivityId = record.Id, ChunkKey = chunkKey };
        State.AsOf = record.RecordedAt;
    }

    /// <summary>The chunk the next activity of <paramref name="monthKey"/> goes to: the month's last one, or a new one when it is full.</summary>
    private string NextChunkKey(string monthKey)
    {
        var month = State.Months.GetValueOrDefault(monthKey);
        var index = month is null || month.Chunks == 0 ? 0
            : month.LastChunkFill >= _options.EffectiveChunkCapacity ? month.Chunks
            : month.Chunks - 1;
        return ActivityLogKeys.Chunk(TeamId, monthKey, index);
    }

    private async Task<ActivityRecord?> FindStored(ActivityClaim claim)
    {
        var stored = await GrainFactory.GetGrain<IActivityLogChunkGrain>(claim.ChunkKey).Find(claim.Activity.Id);
        if (stored is null && State.LastAppend?.ActivityId == claim.Activity.Id)
        {
            // Counted, but its append was cut short and not yet completed: complete it now.
            await AppendAndNotify(claim.Activity, claim.ChunkKey);
            stored = claim.Activity;
        }

        return stored;
    }

    private async Task CompleteLastAppend(LastAppend last)
    {
        var chunk = GrainFactory.GetGrain<IActivityLogChunkGrain>(last.ChunkKey);
        var stored = await chunk.Find(last.ActivityId);
        if (stored is null)
        {
            var claim = await GrainFactory.GetGrain<IActivityGrain>(last.ActivityId).GetClaim();
            if (claim is null)
            {
                throw new InvalidOperationException($"Team {TeamId}: the claim of counted activity {last.ActivityId} is missing.");
            }

            stored = claim.Activity;
            LogCompletingAppend(logger, last.ActivityId, TeamId);
            await chunk.Append(stored);
        }

        // Enterprises ignore an activity they have already counted, so telling them again is safe.
        await NotifyPartners(stored);
        ReportStanding();
    }

    private async Task AppendAndNotify(ActivityRecord record, string chunkKey)
    {
        await GrainFactory.GetGrain<IActivityLogChunkGrain>(chunkKey).Append(record);
        await NotifyPartners(record);
    }

    private Task NotifyPartners(ActivityRecord record) =>
        Task.WhenAll(record.Partners.Select(p => GrainFactory.GetGrain<IPartnerEnterpriseGrain>(p).Record(record)));

    private void ReportStanding() =>
        GrainFactory.GetGrain<IStandingRelayGrain>(0).ReportTeam(Standing()).Ignore();

    private TeamStanding Standing() => new()
    {
        TeamId = TeamId,
        Aggregates = TrimmedAggregates(),
        Recent = [.. State.Recent],
        LogLength = State.LogLength,
        AsOf = State.AsOf,
    };

    private TeamAggregates TrimmedAggregates() =>
        State.Aggregates with { Daily = Aggregation.Trim(State.Aggregates.Daily, WindowStart()) };

    private DateOnly WindowStart() => BeijingTime.DayOf(clock.GetUtcNow()).AddDays(1 - _options.EffectiveDailyWindowDays);

    private async Task<List<ActivityRecord>> ReadMonth(string monthKey, MonthLog month)
    {
        var chunks = await Task.WhenAll(Enumerable.Range(0, month.Chunks)
            .Select(i => GrainFactory.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(TeamId, monthKey, i)).GetActivities()));
        return [.. chunks.SelectMany(c => c)];
    }

    private async Task<List<ActivityRecord>> ReadWholeLog()
    {
        var months = await Task.WhenAll(State.Months.Select(m => ReadMonth(m.Key, m.Value)));
        return [.. months.SelectMany(m => m)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {ActivityId} of team {TeamId}: its first attempt never reached the log; storing it now")]
    private static partial void LogStaleClaim(ILogger logger, Guid activityId, string teamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {ActivityId} of team {TeamId} was counted but not appended before a restart; appending it now")]
    private static partial void LogCompletingAppend(ILogger logger, Guid activityId, string teamId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId}: aggregates rebuilt from {Count} logged activities")]
    private static partial void LogRebuilt(ILogger logger, string teamId, int count);
}
