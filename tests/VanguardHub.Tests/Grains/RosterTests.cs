using System.Text.Json;
using VanguardHub.Contracts;
using VanguardHub.Tests.Infrastructure;

namespace VanguardHub.Tests.Grains;

/// <summary>The roster files an operator writes: read with comments, the API's camelCase names, and every required field checked.</summary>
public sealed class RosterTests
{
    [Fact]
    public void The_shipped_roster_has_the_58_teams_and_names_every_field()
    {
        var roster = Roster.Load();

        roster.Teams.Should().HaveCount(58);
        roster.Teams.Should().OnlyContain(t => t.NameZh.Length > 0 && t.NameEn.Length > 0 && t.HomeDistrict.Length > 0 && !t.Domains.IsDefaultOrEmpty);
        roster.Enterprises.Should().Contain(e => e.Id == "kfc-coffee-community-space" && e.ProgrammesZh.Length == 5 && e.Kind == "community-partner" && !e.Sample);
    }

    [Fact]
    public void An_operators_own_files_may_carry_comments_and_are_read_whole()
    {
        using var folder = new TempFolder();
        var teams = Path.Combine(folder.Path, "teams.json");
        var enterprises = Path.Combine(folder.Path, "enterprises.json");
        File.WriteAllText(teams, """
            {
              // our own teams
              "teams": [
                { "id": "team-a", "nameZh": "甲队", "nameEn": "Team A", "leadUnitsZh": ["市委组织部"], "leadUnitsEn": ["Organisation Department"],
                  "members": 12, "homeDistrict": "wuhua", "domains": ["governance"], "sample": true }
              ]
            }
            """);
        File.WriteAllText(enterprises, """
            { "enterprises": [ { "id": "firm-b", "nameZh": "乙公司", "nameEn": "Firm B", "kind": "served-enterprise", "district": "panlong", "programmesZh": ["项目"] } ] }
            """);

        var roster = Roster.Load(teams, enterprises);

        var team = roster.FindTeam("team-a")!;
        team.Should().BeEquivalentTo(new TeamProfile
        {
            Id = "team-a", NameZh = "甲队", NameEn = "Team A", LeadUnitsZh = ["市委组织部"], LeadUnitsEn = ["Organisation Department"],
            Members = 12, HomeDistrict = "wuhua", Domains = ["governance"], Sample = true,
        });
        roster.FindEnterprise("firm-b")!.ProgrammesZh.Should().Equal("项目");
        roster.FindEnterprise("firm-b")!.ProgrammesEn.Should().BeEmpty();
    }

    [Fact]
    public void An_entry_without_a_required_field_is_refused()
    {
        using var folder = new TempFolder();
        var teams = Path.Combine(folder.Path, "teams.json");
        File.WriteAllText(teams, """{ "teams": [ { "id": "team-a", "nameEn": "Team A", "homeDistrict": "wuhua" } ] }""");

        var load = () => Roster.Load(teams);

        load.Should().Throw<JsonException>().WithMessage("*nameZh*");
    }
}
