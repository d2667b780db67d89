using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Audit;
using VanguardHub.Contracts.Teams;
using VanguardHub.Grains.Activities;
using VanguardHub.Tests.Infrastructure;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>
/// The consistency check and the rebuild read every stored activity: on a large store that takes longer than a call
/// is normally given (30 s in the service), and they must answer all the same rather than fail while their work goes on.
/// </summary>
public sealed class WholeLogCallTests : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_check_and_a_rebuild_whose_reads_of_the_log_outlast_the_call_timeout_still_answer()
    {
        await using var cluster = await GrainCluster.StartAsync(
            _folder.Path, settings: new Dictionary<string, string?> { ["ActivityLog:ChunkCapacity"] = "8" }, responseTimeout: CallTimeout);
        var results = await cluster.Grains.GetGrain<IServiceTeamGrain>(Dianchi).LogActivities([.. Enumerable.Range(0, 20).Select(i => Activity(Dianchi, residents: i))]);
        results.Should().OnlyContain(r => r.Outcome == LogOutcome.Created);

        // The log's full chunks are read from storage, as on a large store, only slower than any call may take.
        var chunkReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Storage.HeldReads[ActivityLogChunkGrain.StateName] = chunkReads;
        var consistency = cluster.Grains.GetGrain<IConsistencyGrain>(0);
        var check = consistency.Check();
        var rebuild = consistency.Rebuild();
        await Task.Delay(CallTimeout * 2);
        check.IsCompleted.Should().BeFalse("the check is still reading the log");
        rebuild.IsCompleted.Should().BeFalse("the rebuild waits for the check, then reads the log");

        cluster.Storage.HeldReads.Clear();
        chunkReads.SetResult();
        var checkedReport = await check;
        var rebuiltReport = await rebuild;
        checkedReport.StoredActivities.Should().Be(20);
        rebuiltReport.Consistent.Should().BeTrue();
        rebuiltReport.StoredActivities.Should().Be(20);
        rebuiltReport.BoardActivities.Should().Be(20);
    }
}
