using System.Collections.Immutable;
using System.Text.Json.Serialization;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Board;

namespace VanguardHub.Dashboard.Wall;

/// <summary>
/// A snapshot told as what changed since an earlier one: the "boardDelta" push, for walls that asked for it.
/// Keyed parts (race rows by team, domains, districts, trend days) carry only the entries whose values differ from
/// the snapshot numbered <see cref="Since"/>, with their new values; the small parts come whole. Because every changed
/// entry carries its newest value, the delta turns any snapshot numbered from <see cref="Since"/> up to (not including)
/// <see cref="Version"/> into snapshot <see cref="Version"/>. The feed is told as the ordered ids of its items plus the
/// items the earlier snapshot did not have; a wall that lacks one of the ids asks for the whole snapshot.
/// </summary>
/// <remarks>
/// <para>
/// Every tally in a delta is packed (<see cref="PackedTally"/>): nine numbers rather than an object naming each
/// outcome, which was two thirds of a tally's bytes. A race row carries its figures, and its names and member count
/// only when they changed. A feed item leaves out its team's names (the race has them) and the fields it holds at
/// their defaults. On a busy day every team's row changes between two pushes: the race then takes about a quarter of
/// what it took as whole rows, and the feed less than half.
/// </para>
/// <para>
/// A wall applies a delta to a newer version than <see cref="Since"/> only after it fetched one; an entry that changed
/// and changed back in between (a void, then the same figure again) is not in the delta and keeps that version's
/// value until it changes.
/// </para>
/// </remarks>
public sealed record BoardDelta
{
    public required long Version { get; init; }
    /// <summary>The version the changes are counted from.</summary>
    public required long Since { get; init; }
    public required DateTimeOffset AsOf { get; init; }
    public required int[] Totals { get; init; }
    public required int[] Verified { get; init; }
    public required ImmutableDictionary<string, int[]> ByDomain { get; init; }
    public required ImmutableDictionary<string, int[]> ByDistrict { get; init; }
    /// <summary>
    /// Race rows whose figures changed, in rank order. A row whose only change is its place (one team passing others
    /// moves every row in between) does not travel: <see cref="Ranked"/> (or <see cref="Order"/>), <see cref="Gaps"/>
    /// and <see cref="PreviousRanks"/> place it.
    /// </summary>
    public required ImmutableArray<RaceRowChange> Leaderboard { get; init; }
    /// <summary>
    /// The race's team ids in rank order (rank = position + 1), when the race holds other teams than it did in
    /// <see cref="Since"/>; otherwise <see cref="Ranked"/> says the same in a tenth of the bytes.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableArray<string>? Order { get; init; }
    /// <summary>
    /// The race in rank order as positions in its team ids sorted ordinally (<c>[3, 0, ...]</c>: the team whose id
    /// sorts fourth leads), when it holds the same teams as in <see cref="Since"/>. Always the whole order, never a
    /// change to it: a wall may show a version newer than <see cref="Since"/> (one it fetched), and the order can change
    /// and change back in between; teams only join the race, so every version in between holds the same teams.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableArray<int>? Ranked { get; init; }
    /// <summary>Each rank's <see cref="LeaderboardEntry.GapToNext"/>, in rank order.</summary>
    public required ImmutableArray<int> Gaps { get; init; }
    /// <summary>Each rank's <see cref="LeaderboardEntry.PreviousRank"/>, in rank order (a back-dated activity reorders yesterday's race).</summary>
    public required ImmutableArray<int> PreviousRanks { get; init; }
    /// <summary>Trend days that changed or are new; the trend is the 30 days ending with the last of them.</summary>
    public required ImmutableArray<DayChange> Trend { get; init; }
    /// <summary>The first day of the trend: days before it are dropped.</summary>
    public required DateOnly? TrendFrom { get; init; }
    /// <summary>The partners' ranking, whole (names only for partners new to it), when it changed; absent when it did not.</summary>
    public ImmutableArray<PartnerChange>? Partners { get; init; }
    /// <summary>The feed's activity ids, newest first.</summary>
    public required ImmutableArray<Guid> RecentIds { get; init; }
    /// <summary>The feed items the earlier snapshot did not have (or had in another revision or state), packed.</summary>
    public required ImmutableArray<FeedChange> Recent { get; init; }

    /// <summary>
    /// What changed from <paramref name="earlier"/> to <paramref name="later"/>; null when a delta cannot say it (an
    /// entry disappeared: a wall then needs the whole snapshot).
    /// </summary>
    public static BoardDelta? Between(BoardSnapshot earlier, BoardSnapshot later)
    {
        if (later.Version <= earlier.Version
            || Lost(earlier.ByDomain, later.ByDomain) || Lost(earlier.ByDistrict, later.ByDistrict)
            || earlier.Leaderboard.Select(e => e.TeamId).Except(later.Leaderboard.Select(e => e.TeamId)).Any())
        {
            return null;
        }

        var rows = earlier.Leaderboard.ToDictionary(e => e.TeamId, StringComparer.Ordinal);
        var sameTeams = later.Leaderboard.Length == rows.Count;
        var sorted = sameTeams ? rows.Keys.Order(StringComparer.Ordinal).Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal) : null;
        var days = earlier.Trend.ToDictionary(d => d.Day);
        var held = earlier.Recent.Select(Shown).ToHashSet();
        return new BoardDelta
        {
            Version = later.Version,
            Since = earlier.Version,
            AsOf = later.AsOf,
            Totals = PackedTally.Of(later.Totals),
            Verified = PackedTally.Of(later.Verified),
            ByDomain = Changed(earlier.ByDomain, later.ByDomain),
            ByDistrict = Changed(earlier.ByDistrict, later.ByDistrict),
            Leaderboard = [.. later.Leaderboard
                .Select(e => (Now: e, Was: rows.GetValueOrDefault(e.TeamId)))
                .Where(r => r.Was is null || Figures(r.Was) != Figures(r.Now))
                .Select(r => RaceRowChange.Of(r.Now, r.Was))],
            Order = sameTeams ? null : [.. later.Leaderboard.Select(e => e.TeamId)],
            Ranked = sameTeams ? [.. later.Leaderboard.Select(e => sorted![e.TeamId])] : null,
            Gaps = [.. later.Leaderboard.Select(e => e.GapToNext)],
            PreviousRanks = [.. later.Leaderboard.Select(e => e.PreviousRank)],
            Trend = [.. later.Trend.Where(d => !days.TryGetValue(d.Day, out var was) || was != d).Select(d => new DayChange(d.Day, PackedTally.Of(d.Tally)))],
            TrendFrom = later.Trend.IsDefaultOrEmpty ? null : later.Trend[0].Day,
            Partners = later.Partners.SequenceEqual(earlier.Partners) ? null
                : [.. later.Partners.Select(p => PartnerChange.Of(p, earlier.Partners.FirstOrDefault(e => e.EnterpriseId == p.EnterpriseId)))],
            RecentIds = [.. later.Recent.Select(f => f.Activity.Id)],
            Recent = [.. later.Recent.Where(f => !held.Contains(Shown(f))).Select(f => FeedChange.Of(f.Activity))],
        };
    }

    /// <summary>A race row without its places in the race (today's and yesterday's).</summary>
    private static LeaderboardEntry Figures(LeaderboardEntry entry) => entry with { Rank = 0, GapToNext = 0, PreviousRank = 0 };

    /// <summary>What tells two versions of a feed item apart (a correction, a void, a verification).</summary>
    private static (Guid, int, bool, bool) Shown(FeedItem item) =>
        (item.Activity.Id, item.Activity.Revision, item.Activity.Voided, item.Activity.Verified);

    private static bool Lost(ImmutableDictionary<string, ActivityTally> earlier, ImmutableDictionary<string, ActivityTally> later) =>
        earlier.Keys.Any(key => !later.ContainsKey(key));

    private static ImmutableDictionary<string, int[]> Changed(
        ImmutableDictionary<string, ActivityTally> earlier, ImmutableDictionary<string, ActivityTally> later) =>
        later.Where(pair => !earlier.TryGetValue(pair.Key, out var was) || was != pair.Value)
            .ToImmutableDictionary(pair => pair.Key, pair => PackedTally.Of(pair.Value));
}

/// <summary>
/// A tally as a delta carries it: activities, participants, then the outcomes householdsVisited, residentsServed,
/// enterprisesServed, problemsSolved, disputesMediated, policySessions and projectsLanded. The wall unpacks it in
/// <c>js/wall-state.js</c> (<c>unpackTally</c>), in the same order.
/// </summary>
public static class PackedTally
{
    public static int[] Of(ActivityTally tally) => [tally.Activities, tally.Participants, .. OutcomesOf(tally.Outcomes)];

    /// <summary>The outcomes alone, in the order a packed tally carries them after its first two numbers.</summary>
    public static int[] OutcomesOf(Outcomes outcomes) =>
    [
        outcomes.HouseholdsVisited, outcomes.ResidentsServed, outcomes.EnterprisesServed, outcomes.ProblemsSolved,
        outcomes.DisputesMediated, outcomes.PolicySessions, outcomes.ProjectsLanded,
    ];
}

/// <summary>
/// A race row whose figures changed: its figures (tallies packed), and its names and member count only when they
/// changed or the team is new to the race. Its place comes from the delta's order.
/// </summary>
public sealed record RaceRowChange
{
    public required string TeamId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NameZh { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NameEn { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Members { get; init; }
    public required int[] Tally { get; init; }
    public required int[] Today { get; init; }
    public required int[] Verified { get; init; }
    public required double PerMember { get; init; }
    public required int ThisMonth { get; init; }
    public required int LastMonth { get; init; }

    public static RaceRowChange Of(LeaderboardEntry now, LeaderboardEntry? was) => new()
    {
        TeamId = now.TeamId,
        NameZh = was?.NameZh == now.NameZh ? null : now.NameZh,
        NameEn = was?.NameEn == now.NameEn ? null : now.NameEn,
        Members = was?.Members == now.Members ? null : now.Members,
        Tally = PackedTally.Of(now.Tally),
        Today = PackedTally.Of(now.Today),
        Verified = PackedTally.Of(now.Verified),
        PerMember = now.PerMember,
        ThisMonth = now.ThisMonth,
        LastMonth = now.LastMonth,
    };
}

/// <summary>A trend day that changed, its tally packed.</summary>
public sealed record DayChange(DateOnly Day, int[] Tally);

/// <summary>
/// A partner in the ranking, its tally packed; its names and kind only when the earlier ranking did not have it (or
/// had them otherwise). A wall that lacks a partner named by id alone asks for the whole snapshot.
/// </summary>
public sealed record PartnerChange
{
    public required string EnterpriseId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NameZh { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NameEn { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Kind { get; init; }
    public required int[] Tally { get; init; }

    public static PartnerChange Of(PartnerContribution partner, PartnerContribution? was)
    {
        var known = was is not null && was.NameZh == partner.NameZh && was.NameEn == partner.NameEn && was.Kind == partner.Kind;
        return new PartnerChange
        {
            EnterpriseId = partner.EnterpriseId,
            NameZh = known ? null : partner.NameZh,
            NameEn = known ? null : partner.NameEn,
            Kind = known ? null : partner.Kind,
            Tally = PackedTally.Of(partner.Tally),
        };
    }
}

/// <summary>
/// A feed item as a delta carries it: its activity, outcomes packed (the seven after a tally's first two numbers),
/// without the fields that hold their defaults (no place or description, revision 0, not voided, not verified, not
/// back-filled) and without its team's names, which the wall takes from the race row of <see cref="TeamId"/> (the
/// team's id itself for a team not in the race, as the board does).
/// </summary>
public sealed record FeedChange
{
    public required Guid Id { get; init; }
    public required string TeamId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string Domain { get; init; }
    public required string District { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Place { get; init; }
    public required string Title { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Description { get; init; }
    public required int Participants { get; init; }
    public required int[] Outcomes { get; init; }
    public required ImmutableArray<string> Partners { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
    public required long Sequence { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RecordedBy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Revision { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Voided { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? VoidReason { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? RevisedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Verified { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? VerifiedBy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? VerifiedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool BackFilled { get; init; }

    public static FeedChange Of(ActivityRecord activity) => new()
    {
        Id = activity.Id,
        TeamId = activity.TeamId,
        OccurredAt = activity.OccurredAt,
        Domain = activity.Domain,
        District = activity.District,
        Place = activity.Place,
        Title = activity.Title,
        Description = activity.Description,
        Participants = activity.Participants,
        Outcomes = PackedTally.OutcomesOf(activity.Outcomes),
        Partners = activity.Partners,
        RecordedAt = activity.RecordedAt,
        Sequence = activity.Sequence,
        RecordedBy = activity.RecordedBy,
        Revision = activity.Revision,
        Voided = activity.Voided,
        VoidReason = activity.VoidReason,
        RevisedAt = activity.RevisedAt,
        Verified = activity.Verified,
        VerifiedBy = activity.VerifiedBy,
        VerifiedAt = activity.VerifiedAt,
        BackFilled = activity.BackFilled,
    };
}
