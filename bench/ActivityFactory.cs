namespace VanguardHub.Bench;

/// <summary>Realistic activities: every domain and district, plausible outcome counts, some partner links.</summary>
internal sealed class ActivityFactory(string[] teams, string[] enterprises)
{
    private static readonly string[] Domains = ["industry", "investment", "business-environment", "urban", "ecology", "governance", "livelihood"];
    private static readonly string[] Districts = ["wuhua", "panlong", "guandu", "xishan", "chenggong", "jinning", "dongchuan", "anning", "fumin", "yiliang", "shilin", "songming", "luquan", "xundian", "mohan"];

    public object Next(Random random, string? team = null) => new
    {
        id = Guid.NewGuid(),
        teamId = team ?? teams[random.Next(teams.Length)],
        occurredAt = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).AddMinutes(-random.Next(1, 60 * 24 * 20)).ToString("yyyy-MM-ddTHH:mm:sszzz"),
        domain = Domains[random.Next(Domains.Length)],
        district = Districts[random.Next(Districts.Length)],
        place = "社区服务点",
        title = "入户走访与政策宣讲",
        description = "党员先锋队入户宣传政策，收集群众诉求并现场解决问题。",
        participants = random.Next(3, 30),
        outcomes = new
        {
            householdsVisited = random.Next(0, 40),
            residentsServed = random.Next(0, 150),
            enterprisesServed = random.Next(0, 6),
            problemsSolved = random.Next(0, 8),
            disputesMediated = random.Next(0, 3),
            policySessions = random.Next(0, 2),
            projectsLanded = random.Next(0, 20) == 0 ? 1 : 0,
        },
        partners = random.Next(10) == 0 && enterprises.Length > 0 ? new[] { enterprises[random.Next(enterprises.Length)] } : [],
    };
}
