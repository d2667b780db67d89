using System.Collections.Immutable;

namespace VanguardHub.Contracts.Security;

/// <summary>What a person or a device may do. Each role reads what the roles below it read; only leaders and admins write.</summary>
public static class Roles
{
    /// <summary>The working committee's operators: accounts, tokens, wall displays, corrections for any team.</summary>
    public const string Admin = "admin";

    /// <summary>A team leader: logs that one team's activities; reads everything a viewer reads.</summary>
    public const string Leader = "leader";

    /// <summary>Leadership: every drill-down page, timeline and export; writes nothing.</summary>
    public const string Viewer = "viewer";

    /// <summary>A wall display: the board and its live channel, nothing else.</summary>
    public const string Wall = "wall";

    public static readonly ImmutableArray<string> All = [Admin, Leader, Viewer, Wall];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);
}
