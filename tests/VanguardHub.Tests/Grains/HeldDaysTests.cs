using Orleans.Runtime;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Teams;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>
/// A team's per-day figures cover 92 days; its own state carries the last 31 of them and the earlier days are stored
/// apart. Whatever is stored where, the figures a user sees are the whole window's. The team here writes its whole
/// state with every batch (not every sixteenth, as by default), so that each batch's state can be read back.
/// </summary>
public sealed class HeldDaysTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly string _serviceId = Guid.NewGuid().ToString("N");
    private readonly DateOnly _today = BeijingTime.DayOf(BeijingNow);
    private readonly Dictionary<string, string?> _everyBatch = new() { ["ActivityLog:CheckpointEvery"] = "1" };
    private GrainCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, _everyBatch);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }

    private IServiceTeamGrain Team => _cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi);

    private async Task Restart()
    {
        await _cluster.DisposeAsync();
        _cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, _everyBatch);
    }

    private async Task<TeamState> StoredTeamState()
    {
        var held = new GrainState<TeamState>(new TeamState());
        await _cluster.Storage.ReadStateAsync("team", Team.GetGrainId(), held);
        return held.State!;
    }

    private async Task<ActivityTally?> DayFigures(int daysAgo) =>
        (await Team.GetSummary()).Aggregates.Daily.SingleOrDefault(d => d.Day == _today.AddDays(-daysAgo))?.Tally;

    [Fact]
    public async Task A_team_with_three_months_of_days_writes_only_its_last_month_of_them_with_each_batch()
    {
        var everyDay = Enumerable.Range(0, 92).Select(i => Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i), residents: i)).ToList();
        (await Team.LogActivities([.. everyDay])).Should().OnlyContain(r => r.Outcome == LogOutcome.Created);

        // The earlier days are set apart just after the batch is answered.
        await Poll.Until(() => Task.FromResult(_cluster.Storage.WritesByState.GetValueOrDefault(EarlierDays.StateName) == 1));
        _cluster.Storage.Reset();
        (await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow, residents: 60))).Outcome.Should().Be(LogOutcome.Created);
        (await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow, residents: 40))).Outcome.Should().Be(LogOutcome.Created);

        var stored = await StoredTeamState();
        stored.Aggregates.Daily.Select(d => d.Day).Should().Equal(Enumerable.Range(0, 31).Select(i => _today.AddDays(i - 30)));
        _cluster.Storage.WritesByState.GetValueOrDefault(EarlierDays.StateName).Should().Be(0, "no earlier day changed");

        var daily = (await Team.GetSummary()).Aggregates.Daily;
        daily.Select(d => d.Day).Should().Equal(Enumerable.Range(0, 92).Select(i => _today.AddDays(i - 91)));
        daily.Should().OnlyContain(d => d.Tally.Activities == (d.Day == _today ? 3 : 1));
        (await DayFigures(60))!.Outcomes.ResidentsServed.Should().Be(60);
        (await DayFigures(0))!.Outcomes.ResidentsServed.Should().Be(100);

        await Restart();

        (await Team.GetSummary()).Aggregates.Daily.Should().Equal(daily);
        (await Team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task A_late_back_fill_and_a_correction_change_an_earlier_day_and_the_figures_survive_a_restart()
    {
        var duplicate = Activity(Dianchi, occurredAt: BeijingNow.AddDays(-50), residents: 7);
        await Team.LogActivity(duplicate);
        await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow.AddDays(-50), residents: 5));
        await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow.AddDays(-70), residents: 3));
        (await Team.Correct(new ActivityCorrection { ActivityId = duplicate.Id, VoidReason = "重复填报", Actor = "admin" }))
            .Outcome.Should().Be(CorrectionOutcome.Voided);
        await Team.LogActivity(Activity(Dianchi, residents: 1));

        (await DayFigures(50)).Should().Be(new ActivityTally { Activities = 1, Participants = 5, Outcomes = new Outcomes { ResidentsServed = 5, HouseholdsVisited = 3, PolicySessions = 1 } });
        (await DayFigures(70))!.Outcomes.ResidentsServed.Should().Be(3);
        (await Team.Audit()).Consistent.Should().BeTrue();

        await Restart();

        (await DayFigures(50))!.Outcomes.ResidentsServed.Should().Be(5);
        (await DayFigures(70))!.Outcomes.ResidentsServed.Should().Be(3);
        (await Team.GetSummary()).Aggregates.Total.Activities.Should().Be(3);
        (await Team.Audit()).Consistent.Should().BeTrue();
        (await StoredTeamState()).Aggregates.Daily.Should().OnlyContain(d => d.Day >= _today.AddDays(-30));
    }

    [Fact]
    public async Task When_storing_the_earlier_days_fails_the_team_keeps_them_and_nothing_is_lost()
    {
        _cluster.Storage.FailingStates[EarlierDays.StateName] = true;
        (await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow.AddDays(-45), residents: 9))).Outcome.Should().Be(LogOutcome.Created);
        (await DayFigures(45))!.Outcomes.ResidentsServed.Should().Be(9);

        _cluster.Storage.FailingStates.Clear();
        (await Team.LogActivity(Activity(Dianchi, residents: 1))).Outcome.Should().Be(LogOutcome.Created);
        await Poll.Until(() => Task.FromResult(_cluster.Storage.WritesByState.GetValueOrDefault(EarlierDays.StateName) == 1));
        (await DayFigures(45))!.Outcomes.ResidentsServed.Should().Be(9);

        await Restart();

        (await DayFigures(45))!.Outcomes.ResidentsServed.Should().Be(9);
        (await Team.GetSummary()).Aggregates.Total.Activities.Should().Be(2);
        (await Team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task A_back_fill_of_an_earlier_day_counts_once_after_a_stop_that_wrote_no_team_state()
    {
        // The default: the whole state every 16th entry, so the back-fill lives in the team's journal alone.
        var defaults = new Dictionary<string, string?>();
        await _cluster.DisposeAsync();
        _cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, defaults);
        (await Team.LogActivity(Activity(Dianchi, residents: 2))).Outcome.Should().Be(LogOutcome.Created);
        (await Team.LogActivity(Activity(Dianchi, occurredAt: BeijingNow.AddDays(-50), residents: 5))).Outcome.Should().Be(LogOutcome.Created);
        (await DayFigures(50))!.Outcomes.ResidentsServed.Should().Be(5);

        // The node stops and the team's state is not written (as after a crash): its next activation applies the journal.
        _cluster.Storage.FailingStates["team"] = true;
        await _cluster.DisposeAsync();
        _cluster = await GrainCluster.StartAsync(_folder.Path, _serviceId, defaults);

        (await DayFigures(50))!.Outcomes.ResidentsServed.Should().Be(5, "the back-filled day counts its activity once");
        (await DayFigures(50))!.Activities.Should().Be(1);
        (await Team.GetSummary()).Aggregates.Total.Activities.Should().Be(2);
        (await Team.Audit()).Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task Rebuilding_from_the_log_puts_every_day_back_where_it_belongs()
    {
        await Team.LogActivities([.. new[] { 0, 10, 40, 80 }.Select(i => Activity(Dianchi, occurredAt: BeijingNow.AddDays(-i), residents: i + 1))]);

        (await Team.RebuildFromLog()).Consistent.Should().BeTrue();
        await Restart();

        (await Team.GetSummary()).Aggregates.Daily.Select(d => (d.Day, d.Tally.Outcomes.ResidentsServed))
            .Should().Equal(new[] { 80, 40, 10, 0 }.Select(i => (_today.AddDays(-i), i + 1)));
        (await StoredTeamState()).Aggregates.Daily.Select(d => d.Day).Should().Equal(_today.AddDays(-10), _today);
        (await Team.Audit()).Consistent.Should().BeTrue();
    }
}
