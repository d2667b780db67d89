using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;
using VanguardHub.Dashboard.Extensions;

namespace VanguardHub.Dashboard.Simulation;

/// <summary>Demo mode. Section "Simulator"; `--simulate` on the command line turns it on.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    public bool Enabled { get; set; }

    /// <summary>Activities logged per second (default 1).</summary>
    public double PerSecond { get; set; } = 1;
}

/// <summary>
/// Makes the wall come alive on a fresh machine: a stream of plausible activities for the 58 teams, logged through
/// this host's own POST /api/activities, exactly as a team leader's phone would.
/// </summary>
internal sealed partial class ActivitySimulator(
    IServer server, IHostApplicationLifetime lifetime, Roster roster, IGrainFactory grains, TimeProvider clock,
    IOptions<SimulatorOptions> options, ILogger<ActivitySimulator> logger)
    : BackgroundService
{
    private readonly SampleActivities _samples = new(roster);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        if (!await lifetime.WaitForStartAsync(stoppingToken))
        {
            return;
        }

        // The simulator writes like any integration: with a bearer token of its own, revoked when it stops.
        var tokens = grains.GetGrain<ITokensGrain>(Tokens.Key);
        var issued = await tokens.Issue("simulator", Roles.Admin, null, clock.GetUtcNow().AddDays(1), "system");
        using var client = new HttpClient { BaseAddress = OwnAddress() };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", issued.Token);
        try
        {
            await Simulate(client, settings, stoppingToken);
        }
        finally
        {
            await tokens.Revoke(issued.Info.Id);
        }
    }

    private async Task Simulate(HttpClient client, SimulatorOptions settings, CancellationToken stoppingToken)
    {
        var random = new Random();
        var delay = TimeSpan.FromSeconds(1 / Math.Clamp(settings.PerSecond, 0.05, 200));
        LogStarted(logger, settings.PerSecond, client.BaseAddress);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var response = await client.PostAsJsonAsync("/api/activities", Next(random), stoppingToken);
                if (!response.IsSuccessStatusCode)
                {
                    LogRefused(logger, (int)response.StatusCode);
                }

                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException e)
            {
                LogUnreachable(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private object Next(Random random)
    {
        var activity = _samples.Next(random, clock.GetUtcNow().AddMinutes(-random.Next(5, 240)));
        return new
        {
            id = activity.Id,
            teamId = activity.TeamId,
            occurredAt = activity.OccurredAt.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            domain = activity.Domain,
            district = activity.District,
            place = activity.Place,
            title = activity.Title,
            participants = activity.Participants,
            outcomes = new
            {
                householdsVisited = activity.Outcomes.HouseholdsVisited,
                residentsServed = activity.Outcomes.ResidentsServed,
                enterprisesServed = activity.Outcomes.EnterprisesServed,
                problemsSolved = activity.Outcomes.ProblemsSolved,
                disputesMediated = activity.Outcomes.DisputesMediated,
                policySessions = activity.Outcomes.PolicySessions,
                projectsLanded = activity.Outcomes.ProjectsLanded,
            },
            partners = activity.Partners,
        };
    }

    private Uri OwnAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The simulator needs the web server's address.");
        var uri = new UriBuilder(address.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://[::1]"));
        return uri.Uri;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator: logging {PerSecond} activities a second through {Address}")]
    private static partial void LogStarted(ILogger logger, double perSecond, Uri? address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator: an activity was refused with {Status}")]
    private static partial void LogRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator: cannot reach the API ({Reason}); retrying")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}

internal static class SimulatorExtensions
{
    public static IHostApplicationBuilder AddSimulator(this IHostApplicationBuilder builder, bool simulate)
    {
        if (simulate)
        {
            builder.Configuration[$"{SimulatorOptions.Section}:{nameof(SimulatorOptions.Enabled)}"] = "true";
        }

        builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        builder.Services.AddHostedService<ActivitySimulator>();
        return builder;
    }
}
