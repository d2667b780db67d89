using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Audit;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Audit;

/// <summary>Compares every team, enterprise and board figure with the sum over the stored logs, and rebuilds them on request.</summary>
internal sealed class ConsistencyGrain(Roster roster, TimeProvider clock) : Grain, IConsistencyGrain
{
    public async Task<ConsistencyReport> Check()
    {
        var audits = await Task.WhenAll(roster.Teams.Select(t => GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).Audit()));
        var differences = new List<string>();
        differences.AddRange(audits.Where(a => !a.Consistent).Select(a => $"team {a.TeamId}: held figures differ from its log"));

        var expected = ExpectedEnterpriseTotals(audits);
        foreach (var enterprise in roster.Enterprises)
        {
            var held = (await GrainFactory.GetGrain<IPartnerEnterpriseGrain>(enterprise.Id).GetSummary()).Totals;
            var want = expected.GetValueOrDefault(enterprise.Id, EnterpriseTotals.Empty);
            if (held.Total != want.Total || !Aggregation.SameMap(held.ByTeam, want.ByTeam) || !Aggregation.SameMap(held.ByDomain, want.ByDomain))
            {
                differences.Add($"enterprise {enterprise.Id}: figures differ from the teams' logs");
            }
        }

        var board = await GrainFactory.GetGrain<ICityBoardGrain>(CityBoard.Key).GetSnapshot();
        var logTotal = audits.Aggregate(ActivityTally.Zero, (sum, a) => sum + a.FromLog.Total);
        if (board.Totals != logTotal)
        {
            differences.Add("board: city totals differ from the sum over the logs");
        }

        return new ConsistencyReport
        {
            Consistent = differences.Count == 0,
            StoredActivities = audits.Sum(a => (long)a.StoredActivities),
            BoardActivities = board.Totals.Activities,
            Differences = [.. differences],
            CheckedAt = clock.GetUtcNow(),
        };
    }

    public async Task<ConsistencyReport> Rebuild()
    {
        var audits = await Task.WhenAll(roster.Teams.Select(t => GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).RebuildFromLog()));
        var expected = ExpectedEnterpriseTotals(audits);
        await Task.WhenAll(roster.Enterprises.Select(e =>
            GrainFactory.GetGrain<IPartnerEnterpriseGrain>(e.Id).Replace(expected.GetValueOrDefault(e.Id, EnterpriseTotals.Empty))));
        await GrainFactory.GetGrain<ICityBoardGrain>(CityBoard.Key).Refresh();
        return await Check();
    }

    private static Dictionary<string, EnterpriseTotals> ExpectedEnterpriseTotals(IEnumerable<TeamAudit> audits)
    {
        var expected = new Dictionary<string, EnterpriseTotals>(StringComparer.Ordinal);
        foreach (var audit in audits)
        {
            foreach (var (enterpriseId, contribution) in audit.ByPartner)
            {
                expected[enterpriseId] = Aggregation.Merge(expected.GetValueOrDefault(enterpriseId, EnterpriseTotals.Empty), contribution);
            }
        }

        return expected;
    }
}
