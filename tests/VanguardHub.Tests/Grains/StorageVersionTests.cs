using Orleans.Runtime;
using Orleans.Storage;
using VanguardHub.Grains.Teams;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Grains;

public sealed class StorageVersionOnSqliteTests : StorageVersionTests
{
    protected override Task<Dictionary<string, string?>?> Settings() => Task.FromResult<Dictionary<string, string?>?>(null);
}

public sealed class StorageVersionOnPostgreSqlTests : StorageVersionTests
{
    protected override async Task<Dictionary<string, string?>?> Settings() => PostgresServer.StorageSettings(await PostgresServer.CreateDatabaseAsync());
}

/// <summary>
/// The version check every grain write and clear makes, through the service's own storage path and schema: a writer
/// that has not read the version stored last (a second activation of the same grain, in a cluster that briefly
/// disagrees about where it lives) is refused, and what is stored stays as it was.
/// </summary>
public abstract class StorageVersionTests : IAsyncLifetime
{
    private const string StateName = "versioncheck";

    private readonly TempFolder _folder = new();
    private readonly GrainId _grain = GrainId.Create("versioncheck", Guid.NewGuid().ToString("N"));
    private GrainCluster _cluster = null!;

    protected abstract Task<Dictionary<string, string?>?> Settings();

    public async Task InitializeAsync() => _cluster = await GrainCluster.StartAsync(_folder.Path, settings: await Settings());

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _folder.Dispose();
    }

    private IGrainStorage Storage => _cluster.Storage;

    // A small state type the service stores (any would do): its count tells one write from another.
    private static GrainState<MonthLog> State(int activities, string? version = null) => new(new MonthLog { Activities = activities }) { ETag = version, RecordExists = version is not null };

    private async Task<GrainState<MonthLog>> Stored()
    {
        var read = new GrainState<MonthLog>();
        await Storage.ReadStateAsync(StateName, _grain, read);
        return read;
    }

    /// <summary>Both read version 1; the other writer has stored version 2 since.</summary>
    private async Task<(GrainState<MonthLog> Theirs, GrainState<MonthLog> Mine)> OvertakenWriter()
    {
        var theirs = State(1);
        await Storage.WriteStateAsync(StateName, _grain, theirs);
        var mine = State(99, theirs.ETag);
        theirs.State!.Activities = 2;
        await Storage.WriteStateAsync(StateName, _grain, theirs);
        return (theirs, mine);
    }

    [Fact]
    public async Task Each_write_from_the_version_read_last_stores_the_next_version()
    {
        var mine = State(1);
        await Storage.WriteStateAsync(StateName, _grain, mine);
        mine.ETag.Should().Be("1");
        mine.State!.Activities = 2;
        await Storage.WriteStateAsync(StateName, _grain, mine);
        mine.ETag.Should().Be("2");

        var stored = await Stored();
        stored.State!.Activities.Should().Be(2);
        stored.ETag.Should().Be("2");
    }

    [Fact]
    public async Task A_first_write_is_refused_when_another_writer_stored_the_state_already()
    {
        await Storage.WriteStateAsync(StateName, _grain, State(1));

        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, _grain, State(99))).Should().ThrowAsync<InconsistentStateException>();

        var stored = await Stored();
        stored.State!.Activities.Should().Be(1);
        stored.ETag.Should().Be("1");
    }

    [Fact]
    public async Task A_write_from_an_older_version_is_refused()
    {
        var (_, mine) = await OvertakenWriter();

        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, _grain, mine)).Should().ThrowAsync<InconsistentStateException>();

        var stored = await Stored();
        stored.State!.Activities.Should().Be(2);
        stored.ETag.Should().Be("2");
    }

    [Fact]
    public async Task Clearing_from_an_older_version_is_refused_and_from_the_last_one_clears()
    {
        var (theirs, mine) = await OvertakenWriter();

        await FluentActions.Awaiting(() => Storage.ClearStateAsync(StateName, _grain, mine)).Should().ThrowAsync<InconsistentStateException>();
        (await Stored()).State!.Activities.Should().Be(2);

        await Storage.ClearStateAsync(StateName, _grain, theirs);
        var stored = await Stored();
        stored.RecordExists.Should().BeFalse();
        stored.State!.Activities.Should().Be(0);
        stored.ETag.Should().Be("3");

        // The cleared row keeps its version: a write must come from it.
        await FluentActions.Awaiting(() => Storage.WriteStateAsync(StateName, _grain, State(99))).Should().ThrowAsync<InconsistentStateException>();
        await Storage.WriteStateAsync(StateName, _grain, stored);
        stored.ETag.Should().Be("4");
    }

    [Fact]
    public async Task Clearing_a_state_never_written_is_no_conflict()
    {
        await Storage.ClearStateAsync(StateName, _grain, new GrainState<MonthLog>());

        (await Stored()).RecordExists.Should().BeFalse();
    }
}
