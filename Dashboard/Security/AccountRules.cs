using System.Text.RegularExpressions;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Security;

namespace VanguardHub.Dashboard.Security;

/// <summary>What the account, token and pairing bodies must look like; each rule names its field.</summary>
internal static partial class AccountRules
{
    public const int MinPassword = 10;
    public const int MaxPassword = 128;
    public const int MaxName = 64;
    public const int MaxBody = 4 * 1024;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,31}$")]
    private static partial Regex UsernamePattern();

    public static void Username(string? username, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(username))
        {
            errors["username"] = ["A username is required."];
        }
        else if (!UsernamePattern().IsMatch(Accounts.Normalize(username)))
        {
            errors["username"] = ["3 to 32 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit."];
        }
    }

    public static void Password(string? password, Dictionary<string, string[]> errors)
    {
        if (password is null || password.Length < MinPassword)
        {
            errors["password"] = [$"At least {MinPassword} characters."];
        }
        else if (password.Length > MaxPassword)
        {
            errors["password"] = [$"At most {MaxPassword} characters."];
        }
        else if (password.Any(char.IsControl))
        {
            errors["password"] = ["No control characters."];
        }
    }

    /// <summary>A leader names their team; no other role may.</summary>
    public static void RoleAndTeam(string? role, string? teamId, Roster roster, Dictionary<string, string[]> errors)
    {
        if (!Roles.IsKnown(role))
        {
            errors["role"] = [$"One of: {string.Join(", ", Roles.All)}."];
            return;
        }

        if (role == Roles.Leader && (teamId is null || roster.FindTeam(teamId) is null))
        {
            errors["teamId"] = ["A leader's account names one of the teams."];
        }
        else if (role != Roles.Leader && teamId is not null)
        {
            errors["teamId"] = ["Only a leader's account is bound to a team."];
        }
    }

    public static void Name(string field, string? name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors[field] = ["A name is required."];
        }
        else if (name.Length > MaxName || Activities.ActivityValidation.HasUnsafeCharacters(name, allowLineBreaks: false))
        {
            errors[field] = [$"At most {MaxName} characters, no control characters."];
        }
    }
}
