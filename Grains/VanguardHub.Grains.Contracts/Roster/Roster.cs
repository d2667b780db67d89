using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using VanguardHub.Contracts.Catalog;

namespace VanguardHub.Contracts;

[GenerateSerializer, Immutable, Alias("vh.TeamProfile")]
public sealed record TeamProfile
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string NameZh { get; init; }
    [Id(2)] public required string NameEn { get; init; }
    [Id(3)] public ImmutableArray<string> LeadUnitsZh { get; init; } = [];
    [Id(4)] public ImmutableArray<string> LeadUnitsEn { get; init; } = [];
    [Id(5)] public int Members { get; init; }
    [Id(6)] public required string HomeDistrict { get; init; }
    [Id(7)] public ImmutableArray<string> Domains { get; init; } = [];
    /// <summary>A placeholder entry that an operator replaces with a real team.</summary>
    [Id(8)] public bool Sample { get; init; }
}

[GenerateSerializer, Immutable, Alias("vh.EnterpriseProfile")]
public sealed record EnterpriseProfile
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string NameZh { get; init; }
    [Id(2)] public required string NameEn { get; init; }
    /// <summary>community-partner, property-alliance or served-enterprise.</summary>
    [Id(3)] public required string Kind { get; init; }
    [Id(4)] public required string District { get; init; }
    [Id(5)] public ImmutableArray<string> ProgrammesZh { get; init; } = [];
    [Id(6)] public ImmutableArray<string> ProgrammesEn { get; init; } = [];
    [Id(7)] public bool Sample { get; init; }
}

/// <summary>
/// The teams and partner enterprises, loaded once from the roster files. The shipped files hold the teams and
/// enterprises named in the source text plus clearly marked sample entries; an operator points the
/// Roster settings at their own files to replace them.
/// </summary>
public sealed class Roster
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    private readonly FrozenDictionary<string, TeamProfile> _teams;
    private readonly FrozenDictionary<string, EnterpriseProfile> _enterprises;

    public Roster(IEnumerable<TeamProfile> teams, IEnumerable<EnterpriseProfile> enterprises)
    {
        Teams = [.. teams];
        Enterprises = [.. enterprises];
        _teams = Teams.ToFrozenDictionary(t => t.Id, StringComparer.Ordinal);
        _enterprises = Enterprises.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);
        Validate();
    }

    public ImmutableArray<TeamProfile> Teams { get; }

    public ImmutableArray<EnterpriseProfile> Enterprises { get; }

    public TeamProfile? FindTeam(string? id) => id is null ? null : _teams.GetValueOrDefault(id);

    public EnterpriseProfile? FindEnterprise(string? id) => id is null ? null : _enterprises.GetValueOrDefault(id);

    /// <summary>Loads the given files; a null path means the shipped file of that kind.</summary>
    public static Roster Load(string? teamsFile = null, string? enterprisesFile = null)
    {
        using var teams = teamsFile is null ? OpenShipped("teams.json") : File.OpenRead(teamsFile);
        using var enterprises = enterprisesFile is null ? OpenShipped("enterprises.json") : File.OpenRead(enterprisesFile);
        var teamList = JsonSerializer.Deserialize<TeamFile>(teams, Json)?.Teams
            ?? throw new InvalidDataException("The teams roster has no \"teams\" list.");
        var enterpriseList = JsonSerializer.Deserialize<EnterpriseFile>(enterprises, Json)?.Enterprises
            ?? throw new InvalidDataException("The enterprises roster has no \"enterprises\" list.");
        return new Roster(teamList, enterpriseList);
    }

    private static Stream OpenShipped(string name) =>
        typeof(Roster).Assembly.GetManifestResourceStream($"VanguardHub.Roster.{name}")
        ?? throw new InvalidOperationException($"The shipped roster file {name} is missing from the build.");

    private void Validate()
    {
        if (_teams.Count != Teams.Length)
        {
            throw new InvalidDataException("The teams roster repeats a team id.");
        }

        if (_enterprises.Count != Enterprises.Length)
        {
            throw new InvalidDataException("The enterprises roster repeats an enterprise id.");
        }

        foreach (var team in Teams)
        {
            if (!IsKey(team.Id))
            {
                throw new InvalidDataException($"Team id \"{team.Id}\" must be 1-64 characters of a-z, 0-9 and '-'.");
            }

            if (!Districts.IsKnown(team.HomeDistrict) || team.Domains.Any(d => !ServiceDomains.IsKnown(d)))
            {
                throw new InvalidDataException($"Team \"{team.Id}\" names an unknown district or service domain.");
            }
        }

        foreach (var enterprise in Enterprises)
        {
            if (!IsKey(enterprise.Id) || !Districts.IsKnown(enterprise.District))
            {
                throw new InvalidDataException($"Enterprise \"{enterprise.Id}\" has a malformed id or an unknown district.");
            }
        }
    }

    private static bool IsKey(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    private sealed record TeamFile(List<TeamProfile>? Teams);

    private sealed record EnterpriseFile(List<EnterpriseProfile>? Enterprises);
}
