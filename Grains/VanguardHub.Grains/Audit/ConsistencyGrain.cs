using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Audit;
using VanguardHub.Contracts.Board;
using VanguardHub.Contracts.Enterprises;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Infrastructure;
using VanguardHub.Grains.Teams;

namespace VanguardHub.Grains.Audit;

/// <summary>Compares every team, enterprise and board figure with the sum over the stored logs, and rebuilds them on request.</summary>
internal sealed partial class ConsistencyGrain(
    Roster roster, TimeProvider clock, IOptions<WallOptions> wall, ILogger<ConsistencyGrain> logger) : Grain, IConsistencyGrain
{
    private static readonly TimeSpan BoardPollInterval = TimeSpan.FromMilliseconds(50);

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

        var logTotal = audits.Aggregate(ActivityTally.Zero, (sum, a) => sum + a.FromLog.Total);
        var board = await BoardCaughtUpWith(logTotal);
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

    /// <summary>
    /// The board's snapshot, once it holds at least the activities the audited logs hold. A team reports its figures
    /// to the board just after it acknowledges a write, and the board asks every team again each resync interval, so
    /// a check right after a write can find the board a moment behind: that is waiting, not a difference. A board that
    /// is still behind after a resync interval and a second more is reported as it is, and so is one that is ahead
    /// (activities written since the logs were audited: the check is then asked again once writing stops).
    /// </summary>
    private async Task<BoardSnapshot> BoardCaughtUpWith(ActivityTally logTotal)
    {
        var board = GrainFactory.GetGrain<ICityBoardGrain>(CityBoard.Key);
        var snapshot = await board.GetSnapshot();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var patience = wall.Value.ResyncInterval + TimeSpan.FromSeconds(1);
        while (snapshot.Totals != logTotal && snapshot.Totals.Activities <= logTotal.Activities && waited.Elapsed < patience)
        {
            await Task.Delay(BoardPollInterval);
            snapshot = await board.GetSnapshot();
        }

        return snapshot;
    }

    public async Task<ConsistencyReport> Rebuild()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var done = 0;
        var lastReport = TimeSpan.Zero;
        var audits = await Task.WhenAll(roster.Teams.Select(async t =>
        {
            var audit = await GrainFactory.GetGrain<IServiceTeamGrain>(t.Id).RebuildFromLog();

            // Progress with an estimate, about once a second and at the end: a rebuild over a large log takes a while.
            var finished = Interlocked.Increment(ref done);
            var elapsed = started.Elapsed;
            if (finished == roster.Teams.Length || elapsed - lastReport >= TimeSpan.FromSeconds(1))
            {
                lastReport = elapsed;
                LogRebuildProgress(logger, finished, roster.Teams.Length, elapsed.TotalSeconds, elapsed.TotalSeconds / finished * (roster.Teams.Length - finished));
            }

            return audit;
        }));
        var expected = ExpectedEnterpriseTotals(audits);
        await Task.WhenAll(roster.Enterprises.Select(e =>
            GrainFactory.GetGrain<IPartnerEnterpriseGrain>(e.Id).Replace(expected.GetValueOrDefault(e.Id, EnterpriseTotals.Empty))));
        await GrainFactory.GetGrain<ICityBoardGrain>(CityBoard.Key).Refresh();
        return await Check();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild: {Done} of {Total} teams rebuilt from their logs in {ElapsedSeconds:F1} s; about {RemainingSeconds:F0} s left")]
    private static partial void LogRebuildProgress(ILogger logger, int done, int total, double elapsedSeconds, double remainingSeconds);

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
