using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;

namespace VanguardHub.Dashboard.Simulation;

/// <summary>Plausible activities of the roster's teams, for demo mode and for generating a long history.</summary>
internal sealed class SampleActivities(Roster roster)
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

    /// <summary>An activity of <paramref name="team"/> (default: any, the named teams busier than the samples) at <paramref name="occurredAt"/>.</summary>
    public ActivityRecord Next(Random random, DateTimeOffset occurredAt, TeamProfile? team = null)
    {
        team ??= random.Next(3) == 0 ? roster.Teams[random.Next(Math.Min(4, roster.Teams.Length))] : roster.Teams[random.Next(roster.Teams.Length)];
        var domain = team.Domains.Length > 0 && random.Next(4) > 0 ? team.Domains[random.Next(team.Domains.Length)] : ServiceDomains.All[random.Next(7)].Code;
        var district = random.Next(3) > 0 ? team.HomeDistrict : Districts.All[random.Next(Districts.All.Count)].Code;
        var enterpriseWork = domain is "industry" or "investment" or "business-environment";
        return new ActivityRecord
        {
            Id = Guid.NewGuid(),
            TeamId = team.Id,
            OccurredAt = occurredAt.ToOffset(BeijingTime.Offset),
            Domain = domain,
            District = district,
            Place = Districts.Find(district)!.NameZh,
            Title = Titles[domain][random.Next(Titles[domain].Length)],
            Participants = random.Next(3, Math.Max(4, Math.Min(team.Members, 30))),
            Outcomes = new Outcomes
            {
                HouseholdsVisited = enterpriseWork ? 0 : random.Next(0, 40),
                ResidentsServed = enterpriseWork ? random.Next(0, 10) : random.Next(5, 150),
                EnterprisesServed = enterpriseWork ? random.Next(1, 8) : 0,
                ProblemsSolved = random.Next(0, 6),
                DisputesMediated = domain == "governance" ? random.Next(0, 3) : 0,
                PolicySessions = random.Next(0, 2),
                ProjectsLanded = domain is "industry" or "investment" && random.Next(10) == 0 ? 1 : 0,
            },
            Partners = random.Next(5) == 0 && roster.Enterprises.Length > 0 ? [roster.Enterprises[random.Next(roster.Enterprises.Length)].Id] : [],
        };
    }
}
