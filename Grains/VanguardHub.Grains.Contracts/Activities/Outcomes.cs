namespace VanguardHub.Contracts.Activities;

/// <summary>The outcome counts the source text reports for the teams' work.</summary>
[GenerateSerializer, Immutable, Alias("vh.Outcomes")]
public sealed record Outcomes
{
    public static readonly Outcomes Zero = new();

    [Id(0)] public int HouseholdsVisited { get; init; }
    [Id(1)] public int ResidentsServed { get; init; }
    [Id(2)] public int EnterprisesServed { get; init; }
    [Id(3)] public int ProblemsSolved { get; init; }
    [Id(4)] public int DisputesMediated { get; init; }
    [Id(5)] public int PolicySessions { get; init; }
    [Id(6)] public int ProjectsLanded { get; init; }

    public static Outcomes operator +(Outcomes a, Outcomes b) => a.Combine(b, 1);

    public static Outcomes operator -(Outcomes a, Outcomes b) => a.Combine(b, -1);

    private Outcomes Combine(Outcomes other, int sign) => new()
    {
        HouseholdsVisited = HouseholdsVisited + sign * other.HouseholdsVisited,
        ResidentsServed = ResidentsServed + sign * other.ResidentsServed,
        EnterprisesServed = EnterprisesServed + sign * other.EnterprisesServed,
        ProblemsSolved = ProblemsSolved + sign * other.ProblemsSolved,
        DisputesMediated = DisputesMediated + sign * other.DisputesMediated,
        PolicySessions = PolicySessions + sign * other.PolicySessions,
        ProjectsLanded = ProjectsLanded + sign * other.ProjectsLanded,
    };
}

/// <summary>How many activities, with how many participants and which outcomes: the unit every aggregate is made of.</summary>
[GenerateSerializer, Immutable, Alias("vh.ActivityTally")]
public sealed record ActivityTally
{
    public static readonly ActivityTally Zero = new();

    [Id(0)] public int Activities { get; init; }
    [Id(1)] public int Participants { get; init; }
    [Id(2)] public Outcomes Outcomes { get; init; } = Outcomes.Zero;

    public static ActivityTally Of(ActivityRecord activity) => new()
    {
        Activities = 1,
        Participants = activity.Participants,
        Outcomes = activity.Outcomes,
    };

    public static ActivityTally operator +(ActivityTally a, ActivityTally b) => new()
    {
        Activities = a.Activities + b.Activities,
        Participants = a.Participants + b.Participants,
        Outcomes = a.Outcomes + b.Outcomes,
    };

    public static ActivityTally operator -(ActivityTally a, ActivityTally b) => new()
    {
        Activities = a.Activities - b.Activities,
        Participants = a.Participants - b.Participants,
        Outcomes = a.Outcomes - b.Outcomes,
    };
}

/// <summary>A tally for one Beijing-time day.</summary>
[GenerateSerializer, Immutable, Alias("vh.DayTally")]
public sealed record DayTally
{
    [Id(0)] public required DateOnly Day { get; init; }
    [Id(1)] public required ActivityTally Tally { get; init; }
}
