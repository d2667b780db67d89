using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>Activities as a team leader would log them.</summary>
internal static class TestData
{
    public const string RedPomegranate = "red-pomegranate";
    public const string KeyEnterprises = "key-enterprise-development";
    public const string Dianchi = "dianchi-protection";
    public const string KfcCoffee = "kfc-coffee-community-space";
    public const string Yuneng = "yuneng";

    /// <summary>Now in Kunming, to the second (as a phone's form sends it).</summary>
    public static DateTimeOffset BeijingNow
    {
        get
        {
            var now = DateTimeOffset.UtcNow.ToOffset(BeijingTime.Offset);
            return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        }
    }

    public static ActivityRecord Activity(
        string teamId,
        DateTimeOffset? occurredAt = null,
        string domain = "livelihood",
        string district = "xishan",
        int residents = 10,
        int households = 3,
        string[]? partners = null,
        string title = "养老保险政策入户宣讲",
        Guid? id = null) => new()
        {
            Id = id ?? Guid.NewGuid(),
            TeamId = teamId,
            OccurredAt = occurredAt ?? BeijingNow.AddHours(-1),
            Domain = domain,
            District = district,
            Place = "复兴社区",
            Title = title,
            Description = "入户宣传城乡居民基本养老保险政策，辅导缴费操作流程。",
            Participants = 5,
            Outcomes = new Outcomes { ResidentsServed = residents, HouseholdsVisited = households, PolicySessions = 1 },
            Partners = [.. partners ?? []],
        };

    /// <summary>The JSON body of POST /api/activities for <paramref name="activity"/>.</summary>
    public static Dictionary<string, object?> Body(ActivityRecord activity) => new()
    {
        ["id"] = activity.Id,
        ["teamId"] = activity.TeamId,
        ["occurredAt"] = activity.OccurredAt.ToString("yyyy-MM-ddTHH:mm:sszzz"),
        ["domain"] = activity.Domain,
        ["district"] = activity.District,
        ["place"] = activity.Place,
        ["title"] = activity.Title,
        ["description"] = activity.Description,
        ["participants"] = activity.Participants,
        ["outcomes"] = new Dictionary<string, object?>
        {
            ["householdsVisited"] = activity.Outcomes.HouseholdsVisited,
            ["residentsServed"] = activity.Outcomes.ResidentsServed,
            ["enterprisesServed"] = activity.Outcomes.EnterprisesServed,
            ["problemsSolved"] = activity.Outcomes.ProblemsSolved,
            ["disputesMediated"] = activity.Outcomes.DisputesMediated,
            ["policySessions"] = activity.Outcomes.PolicySessions,
            ["projectsLanded"] = activity.Outcomes.ProjectsLanded,
        },
        ["partners"] = activity.Partners.ToArray(),
    };
}
