using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Catalog;
using VanguardHub.Contracts.Security;

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
    private static readonly Dictionary<string, string[]> Titles = new()
    {
        ["industry"] = ["走访重点企业协调解决用工难题", "助推重点项目建成投产现场服务", "企业技术改造政策上门辅导"],
        ["investment"] = ["招商项目洽谈对接服务", "在谈项目跟踪服务", "产业链招商政策宣讲"],
        ["business-environment"] = ["“高效办成一件事”窗口帮办", "企业开办全程代办服务", "营商环境问题收集与督办"],
        ["urban"] = ["老旧小区改造入户征求意见", "磨憨口岸城市规划现场踏勘", "背街小巷环境整治"],
        ["ecology"] = ["滇池蓝藻巡查", "禁渔政策宣传", "河湖岸线巡查整治"],
        ["governance"] = ["邻里纠纷调解", "院坝协商议事会", "物业联盟专项工作会"],
        ["livelihood"] = ["城乡居民养老保险政策入户宣讲", "高龄补贴认证上门服务", "关爱老人志愿服务"],
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
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
        // The named teams are busier than the samples, as they would be on a real wall.
        var team = random.Next(3) == 0 ? roster.Teams[random.Next(Math.Min(4, roster.Teams.Length))] : roster.Teams[random.Next(roster.Teams.Length)];
        var domain = team.Domains.Length > 0 && random.Next(4) > 0 ? team.Domains[random.Next(team.Domains.Length)] : ServiceDomains.All[random.Next(7)].Code;
        var district = random.Next(3) > 0 ? team.HomeDistrict : Districts.All[random.Next(Districts.All.Count)].Code;
        var partners = random.Next(5) == 0 && roster.Enterprises.Length > 0 ? new[] { roster.Enterprises[random.Next(roster.Enterprises.Length)].Id } : [];
        var enterpriseWork = domain is "industry" or "investment" or "business-environment";
        return new
        {
            id = Guid.NewGuid(),
            teamId = team.Id,
            occurredAt = DateTimeOffset.UtcNow.ToOffset(BeijingTime.Offset).AddMinutes(-random.Next(5, 240)).ToString("yyyy-MM-ddTHH:mm:sszzz"),
            domain,
            district,
            place = Districts.Find(district)!.NameZh,
            title = Titles[domain][random.Next(Titles[domain].Length)],
            participants = random.Next(3, Math.Max(4, Math.Min(team.Members, 30))),
            outcomes = new
            {
                householdsVisited = enterpriseWork ? 0 : random.Next(0, 40),
                residentsServed = enterpriseWork ? random.Next(0, 10) : random.Next(5, 150),
                enterprisesServed = enterpriseWork ? random.Next(1, 8) : 0,
                problemsSolved = random.Next(0, 6),
                disputesMediated = domain == "governance" ? random.Next(0, 3) : 0,
                policySessions = random.Next(0, 2),
                projectsLanded = domain is "industry" or "investment" && random.Next(10) == 0 ? 1 : 0,
            },
            partners,
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
