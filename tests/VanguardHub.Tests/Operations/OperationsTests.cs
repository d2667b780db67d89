using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Security;
using VanguardHub.Tests.Api;
using VanguardHub.Tests.Infrastructure;
using VanguardHub.Tests.Process;
using Xunit.Abstractions;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Operations;

public sealed class OperationsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Teams = [RedPomegranate, KeyEnterprises, Dianchi, "southernmost-kunming"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Readiness_goes_unready_when_the_store_is_unreachable_and_ready_again_when_it_returns()
    {
        await using var app = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), $"ready-{Guid.NewGuid():N}");
        using var client = new HttpClient { BaseAddress = app.Address };
        await Poll.Until(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        var checks = (await (await client.GetAsync("/readyz")).Json())["checks"]!.AsObject().Select(c => c.Key);
        checks.Should().BeEquivalentTo("silo", "storage", "push", "accounts");

        var store = Path.Combine(_folder.Path, "vanguardhub.db");
        File.Move(store, store + ".away");
        var unready = await client.GetAsync("/readyz");
        unready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await unready.Json())["checks"]!["storage"]!["status"]!.GetValue<string>().Should().Be("Unhealthy");
        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK, "the process itself is alive");

        File.Move(store + ".away", store);
        (await client.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Metrics_expose_the_named_series_and_they_move_when_an_activity_is_logged()
    {
        // A process of its own: the meters are process-wide, and other tests' hosts run in this one.
        await using var app = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), $"metrics-{Guid.NewGuid():N}");
        using var client = await app.ClientAsync(Roles.Admin);
        using (var anonymous = new HttpClient { BaseAddress = app.Address })
        {
            (await anonymous.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the figures are for the operators' scraper");
        }

        await client.PostActivity(Activity(RedPomegranate));
        var before = Value(await client.GetStringAsync("/metrics"), "vanguardhub_activities_logged_total", "result=\"created\"");

        (await client.PostActivity(Activity(RedPomegranate))).StatusCode.Should().Be(HttpStatusCode.Created);
        (await client.PostAsJsonAsync("/api/activities", new { id = Guid.NewGuid() })).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        // The exporter caches a scrape for a moment; read again until the new figures show.
        var metrics = "";
        await Poll.Until(async () =>
        {
            metrics = await client.GetStringAsync("/metrics");
            return Value(metrics, "vanguardhub_activities_logged_total", "result=\"created\"") > before;
        });
        Value(metrics, "vanguardhub_activities_logged_total", "result=\"created\"").Should().Be(before + 1);
        Value(metrics, "vanguardhub_activities_logged_total", "result=\"invalid\"").Should().BeGreaterThanOrEqualTo(1);
        metrics.Should().Contain("vanguardhub_activities_write_duration_seconds_bucket");
        metrics.Should().Contain("vanguardhub_storage_write_duration_seconds_bucket");

        // Durations in seconds, in buckets from a millisecond up: a write of a few milliseconds is told apart from one of 100 ms.
        foreach (var histogram in new[] { "vanguardhub_activities_write_duration_seconds", "vanguardhub_storage_write_duration_seconds" })
        {
            Regex.IsMatch(metrics, histogram + @"_bucket\{[^}]*le=""0\.01""\}").Should().BeTrue($"{histogram} has a 10 ms bucket");
            Regex.IsMatch(metrics, histogram + @"_bucket\{[^}]*le=""0\.1""\}").Should().BeTrue($"{histogram} has a 100 ms bucket");
        }
        metrics.Should().Contain("http_server_request_duration_seconds");
    }

    [Fact]
    public async Task SIGTERM_under_a_stream_of_writes_loses_no_acknowledged_activity()
    {
        var serviceId = $"term-{Guid.NewGuid():N}";
        var acknowledged = new ConcurrentBag<ActivityRecord>();
        await using (var app = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), serviceId))
        {
            using var stop = new CancellationTokenSource();
            var writers = Writers(app.Address, await app.TokenAsync(Roles.Admin), acknowledged, stop.Token);
            await Poll.Until(() => Task.FromResult(acknowledged.Count >= 80));

            var exit = await app.TerminateAsync(TimeSpan.FromSeconds(60));
            stop.Cancel();
            await writers;
            output.WriteLine($"{acknowledged.Count} acknowledged; the service exited with {exit}");
        }

        await using var restarted = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), serviceId);
        using var client = await restarted.ClientAsync(Roles.Admin);
        foreach (var activity in acknowledged)
        {
            (await client.GetAsync($"/api/activities/{activity.Id}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        (await client.GetJson("/api/admin/consistency"))["consistent"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task On_SIGTERM_the_walls_get_a_last_snapshot_before_the_service_leaves()
    {
        await using var app = await DashboardProcess.StartAsync(_folder.Path, FreePorts.Next(), $"last-{Guid.NewGuid():N}");
        var wallToken = await app.TokenAsync(Roles.Wall);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Address, "/hubs/board"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(wallToken))
            .Build();
        var quiet = new TaskCompletionSource();
        var lastSnapshot = new TaskCompletionSource<long>();
        var stopping = false;
        hub.On<System.Text.Json.JsonElement>("heartbeat", _ => quiet.TrySetResult());
        hub.On<System.Text.Json.JsonElement>("board", snapshot =>
        {
            if (Volatile.Read(ref stopping))
            {
                lastSnapshot.TrySetResult(snapshot.GetProperty("version").GetInt64());
            }
        });
        await hub.StartAsync();

        // A heartbeat says the board has nothing new to push: any snapshot after the SIGTERM is the last one. It comes
        // after five quiet seconds, once every team and enterprise has reported; on a busy machine that can take a while.
        await quiet.Task.WaitAsync(TimeSpan.FromSeconds(90));
        Volatile.Write(ref stopping, true);
        var exit = app.TerminateAsync(TimeSpan.FromSeconds(60));

        var version = await lastSnapshot.Task.WaitAsync(TimeSpan.FromSeconds(30));
        version.Should().BeGreaterThan(0);
        (await exit).Should().Be(0);
    }

    [Fact]
    public async Task A_backup_taken_during_writes_restores_to_a_store_whose_aggregates_equal_its_log()
    {
        var serviceId = $"backup-{Guid.NewGuid():N}";
        var backup = Path.Combine(_folder.Path, "backups", "vanguardhub-backup.db");
        var live = Path.Combine(_folder.Path, "live");
        var acknowledgedBeforeBackup = 0;
        await using (var app = await DashboardProcess.StartAsync(live, FreePorts.Next(), serviceId))
        {
            var acknowledged = new ConcurrentBag<ActivityRecord>();
            using var stop = new CancellationTokenSource();
            var writers = Writers(app.Address, await app.TokenAsync(Roles.Admin), acknowledged, stop.Token);
            await Poll.Until(() => Task.FromResult(acknowledged.Count >= 60));

            acknowledgedBeforeBackup = acknowledged.Count;
            var (code, text) = await DashboardProcess.RunCommandAsync("backup", backup, $"--Storage:DataDirectory={live}");
            output.WriteLine(text);
            code.Should().Be(0, text);
            stop.Cancel();
            await writers;
        }

        var restoredFolder = Path.Combine(_folder.Path, "restored");
        var (restoreCode, restoreText) = await DashboardProcess.RunCommandAsync("restore", backup, $"--Storage:DataDirectory={restoredFolder}");
        restoreCode.Should().Be(0, restoreText);

        await using var restored = await DashboardProcess.StartAsync(restoredFolder, FreePorts.Next(), serviceId);
        using var client = await restored.ClientAsync(Roles.Admin);
        var report = await client.GetJson("/api/admin/consistency");
        output.WriteLine(report.ToJsonString());
        report["consistent"]!.GetValue<bool>().Should().BeTrue();
        report["storedActivities"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(acknowledgedBeforeBackup);
    }

    [Fact]
    public async Task Generate_history_fills_an_empty_store_that_then_checks_out_and_refuses_a_second_time()
    {
        var serviceId = $"history-{Guid.NewGuid():N}";
        var folder = Path.Combine(_folder.Path, "history");
        string[] arguments = ["generate-history", "300", "--days", "90", $"--Storage:DataDirectory={folder}", $"--Orleans:ServiceId={serviceId}",
            $"--Orleans:SiloPort={FreePorts.Next()}", $"--Orleans:GatewayPort={FreePorts.Next()}"];
        var (code, text) = await DashboardProcess.RunCommandAsync(arguments);
        output.WriteLine(text);
        code.Should().Be(0, text);
        text.Should().Contain("generated 300 activities over 90 days");

        var (again, refusal) = await DashboardProcess.RunCommandAsync(arguments);
        again.Should().Be(1);
        refusal.Should().Contain("already holds activities");

        await using var app = await DashboardProcess.StartAsync(folder, FreePorts.Next(), serviceId);
        using var client = await app.ClientAsync(Roles.Admin);
        var report = await client.GetJson("/api/admin/consistency");
        report["consistent"]!.GetValue<bool>().Should().BeTrue();
        report["storedActivities"]!.GetValue<long>().Should().Be(300);
        await Poll.Until(async () => (await client.GetJson("/api/board"))["totals"]!["activities"]!.GetValue<int>() == 300);
    }

    [Fact]
    public void The_service_is_built_to_run_the_workstation_collector()
    {
        // The server collector's per-core heaps hold tens of MiB more on a two-core machine (the memory budget is 400 MB).
        var assembly = typeof(VanguardHub.Dashboard.Apis.ActivitiesApi).Assembly.Location;
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(assembly, ".runtimeconfig.json")))!;
        config["runtimeOptions"]!["configProperties"]!["System.GC.Server"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task Settings_files_are_read_once_so_writes_to_a_store_under_the_content_root_wake_no_watcher()
    {
        await using var factory = new DashboardFactory();

        var files = ((IConfigurationRoot)factory.Services.GetRequiredService<IConfiguration>())
            .Providers.OfType<FileConfigurationProvider>().ToList();

        files.Should().Contain(f => f.Source.Path == "appsettings.json");
        files.Should().OnlyContain(f => !f.Source.ReloadOnChange);
    }

    private static Task Writers(Uri address, string token, ConcurrentBag<ActivityRecord> acknowledged, CancellationToken stop)
    {
        return Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = address }.WithToken(token);
            for (var i = 0; !stop.IsCancellationRequested && i < 5000; i++)
            {
                var activity = Activity(Teams[(w + i) % Teams.Length], residents: i % 30, partners: i % 5 == 0 ? [KfcCoffee] : []);
                try
                {
                    if ((await client.PostAsJsonAsync("/api/activities", Body(activity), CancellationToken.None)).StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged.Add(activity);
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the service stopped
                }
            }
        })));
    }

    private static double Value(string metrics, string series, string label)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + "{", StringComparison.Ordinal) && l.Contains(label));
        return line is null ? 0 : double.Parse(Regex.Match(line, @"\}\s+(\S+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
