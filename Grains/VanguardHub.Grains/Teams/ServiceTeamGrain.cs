using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Activities;
using VanguardHub.Grains.Infrastructure;

namespace VanguardHub.Grains.Teams;

/// <summary>
/// A service team. Logging an activity: claim its id in the activity index (so a resend is recognised), count it here
/// and keep its record with the count, report the new standing to the city board, tell its partner enterprises. The
/// records of a month's open log chunk stay in this team's state and are written to the chunk once, when it is full.
/// Each step writes a bounded amount, whatever the history. The acknowledgement goes out once the claim, the team's
/// write and any chunk that was due are stored; the enterprises are told right after, from a list stored with the
/// count (<see cref="TeamState.Untold"/>), so a crash in between delays their figures and loses nothing.
/// </summary>
/// <remarks>
/// The team's write for a batch is an entry of its journal (<see cref="TeamChange"/>: the batch's records), which the
/// store writes together with other teams' entries; the whole state is written every
/// <see cref="ActivityLogOptions.CheckpointEvery"/> entries and when the team leaves memory, and an activation applies
/// the entries written since to the state it reads, through the same code that applied them the first time.
/// </remarks>
internal sealed partial class ServiceTeamGrain(
    [PersistentState("team", GrainStorage.Name)] IPersistentState<TeamState> state,
    [PersistentState(EarlierDays.StateName, GrainStorage.Name)] IPersistentState<EarlierDays> earlierDays,
    Roster roster,
    IJournal journal,
    Serializer serializer,
    IOptions<ActivityLogOptions> options,
    TimeProvider clock,
    ILogger<ServiceTeamGrain> logger) : Grain, IServiceTeamGrain
{
    private readonly ActivityLogOptions _options = options.Value;
    private readonly List<PendingLog> _queue = [];

    // Logging interleaves with other calls; whatever changes the held state takes this first.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private Task? _writing;

    // Set when a write or its enterprises failed: the held state may differ from storage, or enterprises may have
    // missed something; nothing more is written until the next activation has read storage and told them again.
    private bool _leaving;
    private TeamProfile _profile = null!;

    // Telling the partner enterprises, after the acknowledgement: the first _tellable entries of State.Untold are
    // stored with the team (later ones belong to a write still under way). Rebuilding the aggregates empties the list
    // and counts a new generation, so a tell that was under way then removes nothing.
    private Task? _telling;
    private int _tellable;
    private int _untoldGeneration;
    private readonly CancellationTokenSource _stopTelling = new();

    /// <summary>How long an audit waits for the enterprises to be told what the team has stored.</summary>
    private static readonly TimeSpan TellingPatience = TimeSpan.FromSeconds(5);

    // Full chunks are read from storage directly, a few at a time (a whole log is hundreds of chunks).
    private readonly SemaphoreSlim _chunkReads = new(8, 8);
    private IGrainStorage? _storage;

    /// <summary>
    /// Records held in the team state, awaiting their chunks, past which every chunk is written whether full or not
    /// (activities back-filled over many months each open a chunk); a team write carries at most about this many.
    /// </summary>
    internal const int PendingLimit = 64;

    // The texts this team's records repeat, one instance each, so that a state carries each once.
    private readonly SharedStrings _strings = new();

    // The key decoded once: GetPrimaryKeyString makes a new string at every call.
    private string? _teamId;

    private string TeamId => _teamId ??= _strings.Share(this.GetPrimaryKeyString());

    // The team's journal; the state stored last includes its entries before State.JournalNext.
    private JournalStream<TeamChange>? _journalStream;

    private JournalStream<TeamChange> Journal => _journalStream ??= new(journal, serializer, "team/" + TeamId);

    private TeamState State => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _profile = roster.FindTeam(TeamId) ?? throw new ArgumentException($"No team \"{TeamId}\" in the roster.");
        await Replay();
        if (State.PendingAppends.Count > 0)
        {
            await CompletePendingAppends();
        }

        _tellable = State.Untold.Count;
        StartTelling();
    }

    /// <summary>
    /// Leaving memory gracefully: finishes telling the enterprises, unless that fails (the next activation tries again),
    /// and writes the state if the journal holds entries past it, so that the next activation has none to apply.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopTelling.Cancel();
        if (_telling is { } telling)
        {
            await telling.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }

        if (_leaving || Journal.Next == State.JournalNext)
        {
            return;
        }

        try
        {
            await _writer.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (!_leaving && Journal.Next > State.JournalNext)
            {
                await Checkpoint();
            }
        }
        catch (Exception e)
        {
            // The journal still holds every entry: the next activation applies them.
            LogCheckpointFailed(logger, e, TeamId);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Applies the journal's entries written after the stored state, in their order.</summary>
    private async Task Replay()
    {
        var applied = await Journal.Replay(State.JournalNext,
            change => Apply(change with { Appends = [.. change.Appends.Select(a => a with { Record = _strings.Share(a.Record!) })] }));
        if (applied > 0)
        {
            LogReplayed(logger, TeamId, applied);
        }
    }

    /// <summary>
    /// Group commit: activities that arrive while a batch is being stored wait for the next batch, and a whole batch
    /// costs one journal entry of this team, plus its share of an index page write (the index stores the claims of
    /// many teams' batches together) and of a chunk write (one per full chunk), and after the answer a share of a
    /// journal entry of each partner enterprise it touches. Each caller is answered once its batch is durable.
    /// </summary>
    public Task<LogResult> LogActivity(ActivityRecord activity)
    {
        if (activity.TeamId != TeamId)
        {
            throw new ArgumentException($"Activity {activity.Id} belongs to team \"{activity.TeamId}\", not \"{TeamId}\".");
        }

        var request = Enqueue(activity);
        StartWriting();
        return request.Result.Task;
    }

    public async Task<ImmutableArray<LogResult>> LogActivities(ImmutableArray<ActivityRecord> activities)
    {
        if (activities.FirstOrDefault(a => a.TeamId != TeamId) is { } stranger)
        {
            throw new ArgumentException($"Activity {stranger.Id} belongs to team \"{stranger.TeamId}\", not \"{TeamId}\".");
        }

        // All of them queue before the next batch is taken, so they are stored together.
        var requests = activities.Select(Enqueue).ToList();
        StartWriting();
        return [.. await Task.WhenAll(requests.Select(r => r.Result.Task))];
    }

    private PendingLog Enqueue(ActivityRecord activity)
    {
        var request = new PendingLog(activity, new TaskCompletionSource<LogResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Add(request);
        return request;
    }

    private void StartWriting()
    {
        if (_writing is null || _writing.IsCompleted)
        {
            _writing = WriteQueued();
        }
    }

    private async Task WriteQueued()
    {
        try
        {
            while (_queue.Count > 0)
            {
                var batch = _queue.ToList();
                _queue.Clear();
                await _writer.WaitAsync();
                try
                {
                    ThrowIfLeaving();
                    await WriteBatch(batch);
                    await CheckpointIfDueOrLeave();
                }
                catch (Exception e)
                {
                    // The held state may differ from storage: the next activation reads it again, and tells the enterprises what they have not heard of.
                    Leave();
                    foreach (var request in batch)
                    {
                        request.Result.TrySetException(e);
                    }

                    foreach (var request in _queue)
                    {
                        request.Result.TrySetException(e);
                    }

                    _queue.Clear();
                }
                finally
                {
                    _writer.Release();
                }
            }
        }
        finally
        {
            _writing = null;
        }
    }

    private async Task WriteBatch(List<PendingLog> batch)
    {
        // The same id twice in one batch: the later ones get the first one's answer.
        var distinct = batch.DistinctBy(r => r.Activity.Id).ToList();

        // Plan where each goes, as if all were new; the pending appends record that plan so a cut-short append can be completed.
        var fills = State.Months.ToDictionary(m => m.Key, m => (m.Value.Chunks, m.Value.LastChunkFill));
        var now = clock.GetUtcNow();
        var sequence = State.LogLength;
        var planned = distinct.Select(request =>
        {
            var activity = _strings.Share(request.Activity);
            var monthKey = _strings.Share(BeijingTime.MonthKeyOf(activity.OccurredAt));
            var (chunks, fill) = fills.GetValueOrDefault(monthKey);
            var index = chunks == 0 ? 0 : fill >= _options.EffectiveChunkCapacity ? chunks : chunks - 1;
            fills[monthKey] = index == chunks ? (chunks + 1, 1) : (chunks, fill + 1);
            var record = activity with { RecordedAt = now, Sequence = sequence++ };
            return (Location: ActivityLocation.Of(activity, monthKey), Record: record, ChunkKey: _strings.Share(ActivityLogKeys.Chunk(TeamId, monthKey, index)));
        }).ToList();

        var claimed = await GrainFactory.Cached<IActivityIndexGrain>(ActivityIndex.Key).Claim([.. planned.Select(p => p.Location)]);
        var answers = new Dictionary<Guid, LogResult>();
        var fresh = new List<(ActivityRecord Record, string ChunkKey)>();
        for (var i = 0; i < planned.Count; i++)
        {
            var (location, record, chunkKey) = planned[i];
            if (claimed[i] is not { } existing)
            {
                fresh.Add((record, chunkKey));
                continue;
            }

            if (existing.TeamId != TeamId || existing.Fingerprint != location.Fingerprint)
            {
                answers[record.Id] = new LogResult { Outcome = LogOutcome.IdConflict, Activity = existing.TeamId == TeamId ? await FindStored(existing) : null };
            }
            else if (await FindStored(existing) is { } stored)
            {
                answers[record.Id] = new LogResult { Outcome = LogOutcome.AlreadyStored, Activity = stored };
            }
            else
            {
                // The first attempt was cut short before it was counted: its claim (same team, month and content) stands, store it now.
                LogStaleClaim(logger, record.Id, TeamId);
                fresh.Add((record, chunkKey));
            }
        }

        if (fresh.Count > 0)
        {
            await Store(new TeamChange
            {
                LogLength = sequence,
                Appends = [.. fresh.Select(f => new PendingAppend { ActivityId = f.Record.Id, ChunkKey = f.ChunkKey, Record = f.Record })],
            });

            await WriteDueChunks();
            ReportStanding();
            StartTelling();
            foreach (var (record, _) in fresh)
            {
                answers[record.Id] = new LogResult { Outcome = LogOutcome.Created, Activity = record };
            }
        }

        var answered = new HashSet<Guid>();
        foreach (var request in batch)
        {
            var answer = answers[request.Activity.Id];
            if (!answered.Add(request.Activity.Id) && answer.Outcome == LogOutcome.Created)
            {
                answer = answer with { Outcome = request.Activity.ContentFingerprint() == answer.Activity!.ContentFingerprint() ? LogOutcome.AlreadyStored : LogOutcome.IdConflict };
            }

            request.Result.TrySetResult(answer);
        }
    }

    public async Task<CorrectionResult> Correct(ActivityCorrection correction)
    {
        await _writer.WaitAsync();
        try
        {
            ThrowIfLeaving();
            var result = await CorrectUnderLock(correction);
            await CheckpointIfDueOrLeave();
            return result;
        }
        catch
        {
            // The held state may differ from storage: the next activation reads it again, and tells the enterprises what they have not heard of.
            Leave();
            throw;
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// A correction is stored like an activity: the whole new revision goes to the log (in its month's current chunk),
    /// the aggregates lose the old revision and gain the new one in the same write of this team, and the claim then
    /// points at the new revision. Voiding stores a revision marked void, which counts nowhere.
    /// </summary>
    private async Task<CorrectionResult> CorrectUnderLock(ActivityCorrection correction)
    {
        var location = await GrainFactory.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(correction.ActivityId);
        if (location is null || location.TeamId != TeamId || await FindStored(location) is not { } current)
        {
            return new CorrectionResult { Outcome = CorrectionOutcome.NotFound };
        }

        if (current.Voided)
        {
            return new CorrectionResult { Outcome = correction.Replacement is null ? CorrectionOutcome.Unchanged : CorrectionOutcome.AlreadyVoided, Activity = current };
        }

        var now = clock.GetUtcNow();
        ActivityRecord next;
        if (correction.Replacement is { } replacement)
        {
            if (replacement.ContentFingerprint() == current.ContentFingerprint())
            {
                return new CorrectionResult { Outcome = CorrectionOutcome.Unchanged, Activity = current };
            }

            if (BeijingTime.MonthKeyOf(replacement.OccurredAt) != BeijingTime.MonthKeyOf(current.OccurredAt))
            {
                return new CorrectionResult { Outcome = CorrectionOutcome.MonthChanged, Activity = current };
            }

            // New figures are unchecked figures.
            next = replacement with { RecordedAt = current.RecordedAt, Verified = false, VerifiedBy = null, VerifiedAt = null };
        }
        else if (correction.Verify)
        {
            if (current.Verified)
            {
                return new CorrectionResult { Outcome = CorrectionOutcome.Unchanged, Activity = current };
            }

            next = current with { Verified = true, VerifiedBy = correction.Actor, VerifiedAt = now };
        }
        else
        {
            next = current with { Voided = true, VoidReason = correction.VoidReason };
        }

        next = _strings.Share(next with
        {
            Id = current.Id,
            TeamId = TeamId,
            Revision = current.Revision + 1,
            Sequence = State.LogLength,
            RevisedAt = now,
            RecordedBy = correction.Actor,
        });

        var monthKey = BeijingTime.MonthKeyOf(next.OccurredAt);
        var month = State.Months[monthKey];
        var index = month.LastChunkFill >= _options.EffectiveChunkCapacity ? month.Chunks : month.Chunks - 1;
        var chunkKey = _strings.Share(ActivityLogKeys.Chunk(TeamId, monthKey, index));
        await Store(new TeamChange
        {
            LogLength = State.LogLength + 1,
            Appends = [new PendingAppend { ActivityId = next.Id, ChunkKey = chunkKey, Record = next, Previous = current }],
        });

        await WriteDueChunks();
        ReportStanding();
        StartTelling();
        return new CorrectionResult
        {
            Outcome = next.Voided ? CorrectionOutcome.Voided : correction.Verify ? CorrectionOutcome.Verified : CorrectionOutcome.Revised,
            Activity = next,
        };
    }

    /// <summary>Tells the enterprises that the old or the new revision involves; safe to repeat.</summary>
    private Task NotifyCorrection(ActivityRecord previous, ActivityRecord next)
    {
        var change = new ActivityChange { Previous = previous, Current = next };
        return Task.WhenAll(previous.Partners.Union(next.Partners).Select(p => GrainFactory.GetGrain<IPartnerEnterpriseGrain>(p).Correct([change])));
    }

    public async Task<ImmutableArray<ActivityRecord>> GetRevisions(Guid activityId)
    {
        var location = await GrainFactory.GetGrain<IActivityIndexGrain>(ActivityIndex.Key).Find(activityId);
        if (location is null || location.TeamId != TeamId || !State.Months.TryGetValue(location.MonthKey, out var month))
        {
            return [];
        }

        return [.. (await ReadMonth(location.MonthKey, month)).Where(a => a.Id == activityId).OrderBy(a => a.Revision)];
    }

    /// <summary>Where each activity of this log belongs, with the fingerprint of its content as first sent.</summary>
    public async Task<ImmutableArray<ActivityLocation>> GetLocations() =>
        [.. (await ReadWholeLog()).Where(a => a.Revision == 0).Select(ActivityLocation.Of)];

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
            var countOnly = query.Domain is null && query.District is null
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

            var matching = Revisions.Live(await ReadMonth(monthKey, month))
                .Where(a => query.From is null || a.OccurredAt >= query.From)
                .Where(a => query.To is null || a.OccurredAt < query.To)
                .Where(a => query.Domain is null || a.Domain == query.Domain)
                .Where(a => query.District is null || a.District == query.District)
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
        // The enterprises' figures are compared with this log: first let them hear of everything it holds.
        await Told();
        return AuditOf(Revisions.Live(await ReadWholeLog()).ToList());
    }

    public async Task<TeamAudit> RebuildFromLog()
    {
        await _writer.WaitAsync();
        try
        {
            ThrowIfLeaving();
            return await Rebuild();
        }
        finally
        {
            _writer.Release();
        }
    }

    private async Task<TeamAudit> Rebuild()
    {
        var entries = await ReadWholeLog();
        var log = Revisions.Live(entries).ToList();
        var rebuilt = Aggregation.FromLog(log, WindowStart());
        var heldStart = HeldStart();

        // The earlier days first: until the team state is written too, its held days are the newer figures.
        earlierDays.State.Days = [.. rebuilt.Daily.Where(d => d.Day < heldStart)];
        await earlierDays.WriteStateAsync();
        State.Aggregates = rebuilt with { Daily = [.. rebuilt.Daily.Where(d => d.Day >= heldStart)] };
        foreach (var (monthKey, month) in State.Months)
        {
            month.Activities = log.Count(a => BeijingTime.MonthKeyOf(a.OccurredAt) == monthKey);
        }

        State.LogLength = Math.Max(State.LogLength, entries.Count == 0 ? 0 : entries.Max(a => a.Sequence) + 1);
        State.Recent = [.. log.OrderByDescending(a => a.Sequence).Take(_options.EffectiveRecentCount)];
        State.AsOf = clock.GetUtcNow();

        // The enterprises' figures are rebuilt from the logs next; what they have not heard of is in those logs.
        await Told();
        State.Untold.Clear();
        _tellable = 0;
        _untoldGeneration++;
        await Checkpoint();
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
            Consistent = Aggregation.SameFigures(fromLog, held, windowStart) && log.Count == State.Months.Values.Sum(m => m.Activities),
        };
    }

    /// <summary>
    /// Counts a batch's records (or a correction) in the held state: as a batch is stored, and as an activation
    /// applies the journal's entries written since the stored state.
    /// </summary>
    private void Apply(TeamChange change)
    {
        foreach (var append in change.Appends)
        {
            var record = append.Record!;
            if (append.Previous is { } previous)
            {
                Correct(previous, record, append.ChunkKey);
            }
            else
            {
                Count(record, append.ChunkKey);
            }

            State.PendingAppends.Add(append);
            if (!record.Partners.IsDefaultOrEmpty || append.Previous is { Partners.IsDefaultOrEmpty: false })
            {
                State.Untold.Add(new UntoldChange { Record = record, Previous = append.Previous });
            }
        }

        State.LogLength = Math.Max(State.LogLength, change.LogLength);
    }

    /// <summary>Applies the change and stores it as the team's next journal entry; durable when this completes.</summary>
    private async Task Store(TeamChange change)
    {
        Apply(change);
        await Journal.Append(change);
        _tellable = State.Untold.Count;
    }

    /// <summary>
    /// Writes the whole state if enough entries have been stored since. If that fails, what the entries hold is stored
    /// all the same (the caller's answer stands): the team leaves memory, and the next activation applies them.
    /// </summary>
    private async Task CheckpointIfDueOrLeave()
    {
        if (Journal.Next - State.JournalNext < _options.EffectiveCheckpointEvery)
        {
            return;
        }

        try
        {
            await Checkpoint();
        }
        catch (Exception e)
        {
            LogCheckpointFailed(logger, e, TeamId);
            Leave();
            return;
        }

        await SetAsideEarlierDays();
    }

    /// <summary>Writes the whole state, which then includes every journal entry so far; the journal lets go of them.</summary>
    private async Task Checkpoint()
    {
        var included = State.JournalNext;
        State.JournalNext = Journal.Next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            State.JournalNext = included;
            throw;
        }

        _tellable = State.Untold.Count;
        Journal.Forget(State.JournalNext);
    }

    /// <summary>A correction's change to the held state: the new revision goes to its month's current chunk and replaces the old one in the figures.</summary>
    private void Correct(ActivityRecord current, ActivityRecord next, string chunkKey)
    {
        var month = State.Months[BeijingTime.MonthKeyOf(next.OccurredAt)];
        var index = ActivityLogKeys.IndexOf(chunkKey);
        if (index >= month.Chunks)
        {
            month.Chunks = index + 1;
            month.LastChunkFill = 0;
        }

        month.LastChunkFill++;
        var windowStart = WindowStart();
        Hold(current);
        Hold(next);
        State.Aggregates = Aggregation.Remove(State.Aggregates, current, windowStart);
        if (next.Voided)
        {
            month.Activities--;
        }
        else
        {
            State.Aggregates = Aggregation.Add(State.Aggregates, next, windowStart);
        }

        var shown = State.Recent.FindIndex(a => a.Id == next.Id);
        if (shown >= 0)
        {
            State.Recent.RemoveAt(shown);
            if (!next.Voided)
            {
                State.Recent.Insert(shown, next);
            }
        }

        State.AsOf = next.RevisedAt ?? State.AsOf;
    }

    private void Count(ActivityRecord record, string chunkKey)
    {
        var monthKey = BeijingTime.MonthKeyOf(record.OccurredAt);
        if (!State.Months.TryGetValue(monthKey, out var month))
        {
            State.Months[monthKey] = month = new MonthLog();
        }

        // The plan may open a new chunk even when an earlier planned activity turned out to be a resend.
        var index = ActivityLogKeys.IndexOf(chunkKey);
        if (index >= month.Chunks)
        {
            month.Chunks = index + 1;
            month.LastChunkFill = 0;
        }

        month.LastChunkFill++;
        month.Activities++;
        Hold(record);
        State.Aggregates = Aggregation.Add(State.Aggregates, record, WindowStart());
        State.Recent.Insert(0, record);
        if (State.Recent.Count > _options.EffectiveRecentCount)
        {
            State.Recent.RemoveRange(_options.EffectiveRecentCount, State.Recent.Count - _options.EffectiveRecentCount);
        }

        State.AsOf = record.RecordedAt;
    }

    /// <summary>The latest stored revision of a claimed activity of this team, from its month's chunks and the records held here.</summary>
    private async Task<ActivityRecord?> FindStored(ActivityLocation location)
    {
        if (!State.Months.TryGetValue(location.MonthKey, out var month)
            || Revisions.Latest((await ReadMonth(location.MonthKey, month)).Where(a => a.Id == location.ActivityId)).FirstOrDefault() is not { } stored)
        {
            return null;
        }

        return stored;
    }

    /// <summary>
    /// On activation: every record held here that involves an enterprise joins the list of those to tell, in the order
    /// they were logged (the enterprises skip what they counted; a store from before that list was kept relies on
    /// this). Chunks that are due are written with the next batch.
    /// </summary>
    private async Task CompletePendingAppends()
    {
        for (var i = 0; i < State.PendingAppends.Count; i++)
        {
            var append = State.PendingAppends[i];
            if (append.Record is null)
            {
                // A store from before the activity index keeps the record in its chunk or in the id's own claim.
                var record = await GrainFactory.GetGrain<IActivityLogChunkGrain>(append.ChunkKey).Find(append.ActivityId)
                    ?? (await GrainFactory.GetGrain<IActivityGrain>(append.ActivityId).GetClaim())?.Activity
                    ?? throw new InvalidOperationException($"Team {TeamId}: the record of counted activity {append.ActivityId} is missing.");
                State.PendingAppends[i] = append with { Record = record };
            }
        }

        var listed = State.Untold.Select(u => (u.Record.Id, u.Record.Revision)).ToHashSet();
        State.Untold.AddRange(State.PendingAppends
            .Where(p => !p.Record!.Partners.IsDefaultOrEmpty || p.Previous is { Partners.IsDefaultOrEmpty: false })
            .Where(p => listed.Add((p.Record!.Id, p.Record.Revision)))
            .Select(p => new UntoldChange { Record = p.Record!, Previous = p.Previous }));
        State.Untold.Sort((a, b) => a.Record.Sequence.CompareTo(b.Record.Sequence));
        ReportStanding();
    }

    private void StartTelling()
    {
        if (_tellable > 0 && !_leaving && !_stopTelling.IsCancellationRequested && (_telling is null || _telling.IsCompleted))
        {
            _telling = TellUntold();
        }
    }

    /// <summary>
    /// Tells the enterprises every stored entry of the list, oldest first, and drops the told ones; entries stored
    /// meanwhile go in the next round. A failure is retried, waiting longer each time (up to 10 s), until the team
    /// leaves memory; the next activation carries on from storage.
    /// </summary>
    private async Task TellUntold()
    {
        var failures = 0;
        while (_tellable > 0 && !_leaving)
        {
            var generation = _untoldGeneration;
            var told = State.Untold.GetRange(0, _tellable);
            try
            {
                await Tell(told);
            }
            catch (Exception e)
            {
                failures++;
                var wait = TimeSpan.FromMilliseconds(Math.Min(10_000, 100 << Math.Min(failures, 7)));
                LogTellingFailed(logger, e, TeamId, told.Count, wait.TotalSeconds);
                if (_stopTelling.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(wait, _stopTelling.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                continue;
            }

            failures = 0;
            if (generation == _untoldGeneration)
            {
                State.Untold.RemoveRange(0, told.Count);
                _tellable -= told.Count;
            }
        }
    }

    /// <summary>Tells the enterprises of these changes in their order: runs of new activities together, each correction on its own.</summary>
    private async Task Tell(IReadOnlyList<UntoldChange> changes)
    {
        var records = new List<ActivityRecord>();
        foreach (var change in changes)
        {
            if (change.Previous is null)
            {
                records.Add(change.Record);
                continue;
            }

            await Notify(records);
            records.Clear();
            await NotifyCorrection(change.Previous, change.Record);
        }

        await Notify(records);
    }

    /// <summary>Waits until the enterprises have heard of everything stored here, or telling has failed for <see cref="TellingPatience"/>.</summary>
    private async Task Told()
    {
        StartTelling();
        if (_telling is { } telling)
        {
            try
            {
                await telling.WaitAsync(TellingPatience);
            }
            catch (TimeoutException)
            {
                // Reported as it is: the enterprises' figures differ until telling succeeds.
            }
        }
    }

    /// <summary>
    /// Writes each chunk that is due with the records held for it, then stops holding them. Only the open chunk of the
    /// team's latest month is held until it is full (a later chunk opened, or the capacity reached); a chunk of an
    /// earlier month (a back-fill, or the month before once a new one has begun) is written with the batch that
    /// reached it, as is every chunk when the team holds more than <see cref="PendingLimit"/> records. A chunk that
    /// cannot be written now keeps its records here, stored with the team, and is tried with the next batch.
    /// </summary>
    private async Task WriteDueChunks()
    {
        var all = State.PendingAppends.Count > PendingLimit;
        var latestMonth = State.Months.Keys.Max(StringComparer.Ordinal);
        var due = State.PendingAppends.GroupBy(p => p.ChunkKey)
            .Where(g => all || BeijingTime.MonthKeyOf(g.First().Record!.OccurredAt) is var monthKey && (monthKey != latestMonth || IsFull(g.Key, State.Months[monthKey])))
            .ToList();
        if (due.Count == 0)
        {
            return;
        }

        var written = await Task.WhenAll(due.Select(async chunk =>
        {
            try
            {
                // Not a kept reference: chunk keys keep coming (a new one every chunk's worth of a team's activities),
                // and keeping them would only crowd out the references used on every activity.
                await GrainFactory.GetGrain<IActivityLogChunkGrain>(chunk.Key).Append([.. chunk.Select(p => p.Record!).OrderBy(a => a.Sequence)]);
                return chunk.Key;
            }
            catch (Exception e)
            {
                LogChunkWriteFailed(logger, e, chunk.Key);
                return null;
            }
        }));

        var done = written.OfType<string>().ToHashSet(StringComparer.Ordinal);
        State.PendingAppends.RemoveAll(p => done.Contains(p.ChunkKey));
    }

    private bool IsFull(string chunkKey, MonthLog month) =>
        ActivityLogKeys.IndexOf(chunkKey) < month.Chunks - 1 || month.LastChunkFill >= _options.EffectiveChunkCapacity;

    /// <summary>Tells each partner enterprise of its activities among these; safe to repeat.</summary>
    private Task Notify(IReadOnlyList<ActivityRecord> records) =>
        Task.WhenAll(records
            .SelectMany(a => a.Partners.Select(p => (Partner: p, Activity: a)))
            .GroupBy(x => x.Partner)
            .Select(g => GrainFactory.Cached<IPartnerEnterpriseGrain>(g.Key).Record([.. g.Select(x => x.Activity).OrderBy(a => a.Sequence)])));

    private void Leave()
    {
        _leaving = true;
        DeactivateOnIdle();
    }

    private void ThrowIfLeaving()
    {
        if (_leaving)
        {
            throw new InvalidOperationException($"Team {TeamId} is restarting after a failed write; try again.");
        }
    }

    private void ReportStanding() =>
        GrainFactory.Cached<IStandingRelayGrain>(0).ReportTeam(Standing()).Ignore();

    private TeamStanding Standing() => new()
    {
        TeamId = TeamId,
        Aggregates = TrimmedAggregates(),
        Recent = [.. State.Recent],
        LogLength = State.LogLength,
        AsOf = State.AsOf,
    };

    /// <summary>The figures with the whole window's per-day figures: the held days and the days set apart, as one list.</summary>
    private TeamAggregates TrimmedAggregates() =>
        State.Aggregates with { Daily = Aggregation.MergeDays(State.Aggregates.Daily, earlierDays.State.Days, WindowStart()) };

    private DateOnly WindowStart() => BeijingTime.DayOf(clock.GetUtcNow()).AddDays(1 - _options.EffectiveDailyWindowDays);

    private DateOnly HeldStart() => BeijingTime.DayOf(clock.GetUtcNow()).AddDays(1 - _options.EffectiveHeldDays);

    /// <summary>Before an activity changes its day's figures, the team state takes back that day if it was set apart.</summary>
    private void Hold(ActivityRecord activity)
    {
        var day = BeijingTime.DayOf(activity.OccurredAt);
        var daily = State.Aggregates.Daily;
        if (earlierDays.State.Days.IsDefaultOrEmpty || daily.Any(d => d.Day == day))
        {
            return;
        }

        if (earlierDays.State.Days.FirstOrDefault(d => d.Day == day) is { } earlier && day >= WindowStart())
        {
            State.Aggregates = State.Aggregates with { Daily = Aggregation.AddDay(daily, day, earlier.Tally) };
        }
    }

    /// <summary>
    /// Days that have left the held days (once a day, or after a late back-fill) are written to the days set apart,
    /// then dropped from the team state; its next write stores that. Until then both hold the same figure for them.
    /// If the write fails they stay held, and the next checkpoint tries again.
    /// </summary>
    /// <remarks>
    /// Only right after a checkpoint: the days set apart then include no journal entry that the stored team state
    /// does not. Were they written with entries past it, an activation would apply those entries again, to a day it
    /// takes back from them, and count them twice.
    /// </remarks>
    private async Task SetAsideEarlierDays()
    {
        var daily = State.Aggregates.Daily;
        var heldStart = HeldStart();
        if (daily.IsDefaultOrEmpty || daily[0].Day >= heldStart)
        {
            return;
        }

        var leaving = daily.TakeWhile(d => d.Day < heldStart).ToImmutableArray();
        var stored = earlierDays.State.Days;
        try
        {
            earlierDays.State.Days = Aggregation.MergeDays(leaving, stored, WindowStart());
            await earlierDays.WriteStateAsync();
        }
        catch (Exception e)
        {
            earlierDays.State.Days = stored;
            LogSetAsideFailed(logger, e, TeamId, leaving.Length);
            if (e is InconsistentStateException)
            {
                // The stored copy is not the one this activation read: read both again.
                DeactivateOnIdle();
            }

            return;
        }

        State.Aggregates = State.Aggregates with { Daily = daily.RemoveRange(0, leaving.Length) };
    }

    /// <summary>
    /// A month's records: what its chunks hold in storage, read directly (reading whole timelines, or the whole log,
    /// brings no chunk into memory as a grain), and the records held here for its chunks. The held records are taken
    /// first, so a chunk written meanwhile is found in one or the other. A last chunk wholly held here is not read.
    /// </summary>
    private async Task<List<ActivityRecord>> ReadMonth(string monthKey, MonthLog month)
    {
        var held = State.PendingAppends.Where(p => p.Record is { } r && BeijingTime.MonthKeyOf(r.OccurredAt) == monthKey).ToList();
        var lastKey = ActivityLogKeys.Chunk(TeamId, monthKey, month.Chunks - 1);
        var lastHeld = held.Where(p => p.ChunkKey == lastKey).Select(p => (p.ActivityId, p.Record!.Revision)).Distinct().Count();
        var chunks = await Task.WhenAll(Enumerable.Range(0, month.Chunks)
            .Where(i => i < month.Chunks - 1 || lastHeld < month.LastChunkFill)
            .Select(i => ReadChunk(GrainFactory.GetGrain<IActivityLogChunkGrain>(ActivityLogKeys.Chunk(TeamId, monthKey, i)))));
        var records = chunks.SelectMany(c => c).ToList();
        var stored = records.Select(a => (a.Id, a.Revision)).ToHashSet();
        records.AddRange(held.Select(p => p.Record!).Where(a => stored.Add((a.Id, a.Revision))));
        return records;
    }

    private async Task<ImmutableArray<ActivityRecord>> ReadChunk(IActivityLogChunkGrain chunk)
    {
        _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
        var held = new GrainState<ActivityLogChunkGrain.State>(new ActivityLogChunkGrain.State());
        await _chunkReads.WaitAsync();
        try
        {
            await _storage.ReadStateAsync(ActivityLogChunkGrain.StateName, chunk.GetGrainId(), held);
        }
        finally
        {
            _chunkReads.Release();
        }

        return held.State?.Activities ?? [];
    }

    private async Task<List<ActivityRecord>> ReadWholeLog()
    {
        var months = await Task.WhenAll(State.Months.Select(m => ReadMonth(m.Key, m.Value)));
        return [.. months.SelectMany(m => m)];
    }

    private sealed record PendingLog(ActivityRecord Activity, TaskCompletionSource<LogResult> Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activity {ActivityId} of team {TeamId}: its first attempt never reached the log; storing it now")]
    private static partial void LogStaleClaim(ILogger logger, Guid activityId, string teamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log chunk {ChunkKey} could not be written; its team keeps its records and tries again with its next batch")]
    private static partial void LogChunkWriteFailed(ILogger logger, Exception exception, string chunkKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Team {TeamId}: setting {Days} earlier days' figures apart failed; the team state keeps them for now")]
    private static partial void LogSetAsideFailed(ILogger logger, Exception exception, string teamId, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Team {TeamId}: telling its partner enterprises of {Count} changes failed; trying again in {Seconds} s")]
    private static partial void LogTellingFailed(ILogger logger, Exception exception, string teamId, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId}: applied {Count} journal entries written after its stored state")]
    private static partial void LogReplayed(ILogger logger, string teamId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Team {TeamId}: writing its whole state failed; its journal keeps the entries since, for its next activation to apply")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string teamId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Team {TeamId}: aggregates rebuilt from {Count} logged activities")]
    private static partial void LogRebuilt(ILogger logger, string teamId, int count);
}
