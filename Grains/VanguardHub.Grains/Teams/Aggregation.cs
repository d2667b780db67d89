using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;

namespace VanguardHub.Grains.Teams;

/// <summary>How activities add up into aggregates; the same code folds a live write and a rebuild from the log.</summary>
internal static class Aggregation
{
    public static TeamAggregates Add(TeamAggregates aggregates, ActivityRecord activity, DateOnly windowStart) =>
        Apply(aggregates, activity, windowStart, ActivityTally.Of(activity));

    /// <summary>The exact inverse of <see cref="Add(TeamAggregates, ActivityRecord, DateOnly)"/>: a corrected or voided revision leaves.</summary>
    public static TeamAggregates Remove(TeamAggregates aggregates, ActivityRecord activity, DateOnly windowStart) =>
        Apply(aggregates, activity, windowStart, ActivityTally.Zero - ActivityTally.Of(activity));

    private static TeamAggregates Apply(TeamAggregates aggregates, ActivityRecord activity, DateOnly windowStart, ActivityTally tally)
    {
        var daily = aggregates.Daily;
        var day = BeijingTime.DayOf(activity.OccurredAt);
        if (day >= windowStart)
        {
            daily = AddDay(daily, day, tally);
        }

        return new TeamAggregates
        {
            Total = aggregates.Total + tally,
            Verified = activity.Verified ? aggregates.Verified + tally : aggregates.Verified,
            ByDomain = AddTo(aggregates.ByDomain, activity.Domain, tally),
            ByDistrict = AddTo(aggregates.ByDistrict, activity.District, tally),
            Daily = Trim(daily, windowStart),
        };
    }

    /// <summary>An enterprise's totals with one more activity that involved it.</summary>
    public static EnterpriseTotals Add(EnterpriseTotals totals, ActivityRecord activity) => Apply(totals, activity, ActivityTally.Of(activity));

    /// <summary>An enterprise's totals without a revision that a correction replaced.</summary>
    public static EnterpriseTotals Remove(EnterpriseTotals totals, ActivityRecord activity) => Apply(totals, activity, ActivityTally.Zero - ActivityTally.Of(activity));

    private static EnterpriseTotals Apply(EnterpriseTotals totals, ActivityRecord activity, ActivityTally tally)
    {
        return new EnterpriseTotals
        {
            Total = totals.Total + tally,
            ByTeam = AddTo(totals.ByTeam, activity.TeamId, tally),
            ByDomain = AddTo(totals.ByDomain, activity.Domain, tally),
            LastSequenceByTeam = totals.LastSequenceByTeam.SetItem(
                activity.TeamId, Math.Max(activity.Sequence, totals.LastSequenceByTeam.GetValueOrDefault(activity.TeamId, -1))),
        };
    }

    /// <summary>Two teams' contributions to one enterprise, together.</summary>
    public static EnterpriseTotals Merge(EnterpriseTotals a, EnterpriseTotals b) => new()
    {
        Total = a.Total + b.Total,
        ByTeam = b.ByTeam.Aggregate(a.ByTeam, (map, kv) => AddTo(map, kv.Key, kv.Value)),
        ByDomain = b.ByDomain.Aggregate(a.ByDomain, (map, kv) => AddTo(map, kv.Key, kv.Value)),
        LastSequenceByTeam = b.LastSequenceByTeam.Aggregate(a.LastSequenceByTeam, (map, kv) => map.SetItem(kv.Key, Math.Max(kv.Value, map.GetValueOrDefault(kv.Key, -1)))),
    };

    public static TeamAggregates FromLog(IEnumerable<ActivityRecord> activities, DateOnly windowStart) =>
        activities.Aggregate(TeamAggregates.Empty, (sum, activity) => Add(sum, activity, windowStart));

    public static ImmutableDictionary<string, ActivityTally> AddTo(ImmutableDictionary<string, ActivityTally> map, string key, ActivityTally tally) =>
        map.SetItem(key, map.GetValueOrDefault(key, ActivityTally.Zero) + tally);

    public static ImmutableArray<DayTally> Trim(ImmutableArray<DayTally> daily, DateOnly windowStart) =>
        daily.Length > 0 && daily[0].Day < windowStart ? [.. daily.Where(d => d.Day >= windowStart)] : daily;

    /// <summary>Equal figures, ignoring entries that are all zero (a key present with nothing in it).</summary>
    public static bool SameFigures(TeamAggregates a, TeamAggregates b, DateOnly windowStart) =>
        a.Total == b.Total
        && a.Verified == b.Verified
        && SameMap(a.ByDomain, b.ByDomain)
        && SameMap(a.ByDistrict, b.ByDistrict)
        && SameMap(
            Trim(a.Daily, windowStart).ToImmutableDictionary(d => d.Day.ToString("O"), d => d.Tally),
            Trim(b.Daily, windowStart).ToImmutableDictionary(d => d.Day.ToString("O"), d => d.Tally));

    public static bool SameMap(IReadOnlyDictionary<string, ActivityTally> a, IReadOnlyDictionary<string, ActivityTally> b)
    {
        var keys = a.Keys.Union(b.Keys);
        return keys.All(k => a.GetValueOrDefault(k, ActivityTally.Zero) == b.GetValueOrDefault(k, ActivityTally.Zero));
    }

    /// <summary>
    /// Two lists of per-day figures, each ascending by day, as one from <paramref name="windowStart"/> on; where both
    /// have a day, <paramref name="first"/>'s figure is the one kept.
    /// </summary>
    public static ImmutableArray<DayTally> MergeDays(ImmutableArray<DayTally> first, ImmutableArray<DayTally> second, DateOnly windowStart)
    {
        if (second.IsDefaultOrEmpty)
        {
            return Trim(first, windowStart);
        }

        var merged = ImmutableArray.CreateBuilder<DayTally>(first.Length + second.Length);
        var (i, j) = (0, 0);
        while (i < first.Length || j < second.Length)
        {
            DayTally next;
            if (j == second.Length || (i < first.Length && first[i].Day <= second[j].Day))
            {
                next = first[i++];
                if (j < second.Length && second[j].Day == next.Day)
                {
                    j++;
                }
            }
            else
            {
                next = second[j++];
            }

            if (next.Day >= windowStart)
            {
                merged.Add(next);
            }
        }

        return merged.DrainToImmutable();
    }

    public static ImmutableArray<DayTally> AddDay(ImmutableArray<DayTally> daily, DateOnly day, ActivityTally tally)
    {
        for (var i = 0; i < daily.Length; i++)
        {
            if (daily[i].Day == day)
            {
                return daily.SetItem(i, daily[i] with { Tally = daily[i].Tally + tally });
            }

            if (daily[i].Day > day)
            {
                return daily.Insert(i, new DayTally { Day = day, Tally = tally });
            }
        }

        return daily.Add(new DayTally { Day = day, Tally = tally });
    }
}
