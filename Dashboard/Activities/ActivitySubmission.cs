using System.Globalization;
using System.Text.RegularExpressions;
using VanguardHub.Contracts;
using VanguardHub.Contracts.Activities;
using VanguardHub.Contracts.Catalog;

namespace VanguardHub.Dashboard.Activities;

/// <summary>The body of POST /api/activities, as the client sends it. Everything is optional here so that a missing field is reported by name.</summary>
internal sealed class ActivitySubmission
{
    public Guid? Id { get; set; }
    public string? TeamId { get; set; }
    public string? OccurredAt { get; set; }
    public string? Domain { get; set; }
    public string? District { get; set; }
    public string? Place { get; set; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public int? Participants { get; set; }
    public OutcomeSubmission? Outcomes { get; set; }
    public List<string?>? Partners { get; set; }
}

/// <summary>The body of POST /api/activities/batch.</summary>
internal sealed class ActivityBatchSubmission
{
    public List<ActivitySubmission?>? Activities { get; set; }
}

internal sealed class OutcomeSubmission
{
    public int? HouseholdsVisited { get; set; }
    public int? ResidentsServed { get; set; }
    public int? EnterprisesServed { get; set; }
    public int? ProblemsSolved { get; set; }
    public int? DisputesMediated { get; set; }
    public int? PolicySessions { get; set; }
    public int? ProjectsLanded { get; set; }
}

/// <summary>Checks a submission field by field; the grains check again, but this is where a person gets told what to fix.</summary>
internal static partial class ActivityValidation
{
    public const int MaxTitle = 200;
    public const int MaxPlace = 200;
    public const int MaxDescription = 4000;
    public const int MaxParticipants = 100_000;
    public const int MaxOutcome = 1_000_000;
    public const int MaxPartners = 20;

    /// <summary>Nothing the teams did happened before the programme's records begin.</summary>
    public static readonly DateTimeOffset Earliest = new(2020, 1, 1, 0, 0, 0, BeijingTime.Offset);

    /// <summary>Phones' clocks drift; a few minutes ahead is not "the future".</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static Dictionary<string, string[]> Validate(ActivitySubmission s, Roster roster, DateTimeOffset now, out ActivityRecord? record)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [message];

        if (s.Id is not { } id || id == Guid.Empty)
        {
            Fail("id", "A non-empty GUID made by the client is required.");
        }

        if (string.IsNullOrWhiteSpace(s.TeamId))
        {
            Fail("teamId", "The team is required.");
        }
        else if (roster.FindTeam(s.TeamId) is null)
        {
            Fail("teamId", $"There is no team \"{Clip(s.TeamId)}\".");
        }

        var occurredAt = default(DateTimeOffset);
        if (string.IsNullOrWhiteSpace(s.OccurredAt))
        {
            Fail("occurredAt", "The time of the activity is required (ISO 8601 with an offset, e.g. 2026-11-25T09:30:00+08:00).");
        }
        else if (!TryParseInstant(s.OccurredAt, out occurredAt))
        {
            Fail("occurredAt", "Use ISO 8601 with an offset, e.g. 2026-11-25T09:30:00+08:00.");
        }
        else if (occurredAt > now + ClockSkew)
        {
            Fail("occurredAt", "The activity cannot be in the future.");
        }
        else if (occurredAt < Earliest)
        {
            Fail("occurredAt", "The activity cannot be before 2020-01-01.");
        }

        if (string.IsNullOrWhiteSpace(s.Domain))
        {
            Fail("domain", "The service domain is required.");
        }
        else if (!ServiceDomains.IsKnown(s.Domain))
        {
            Fail("domain", $"Unknown service domain; use one of {string.Join(", ", ServiceDomains.All.Select(d => d.Code))}.");
        }

        if (string.IsNullOrWhiteSpace(s.District))
        {
            Fail("district", "The district is required.");
        }
        else if (!Districts.IsKnown(s.District))
        {
            Fail("district", $"Unknown district; use one of {string.Join(", ", Districts.All.Select(d => d.Code))}.");
        }

        var title = s.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            Fail("title", "The title is required.");
        }
        else if (title.Length > MaxTitle)
        {
            Fail("title", $"The title can be at most {MaxTitle} characters.");
        }
        else if (HasUnsafeCharacters(title, allowLineBreaks: false))
        {
            Fail("title", "The title cannot contain control characters, text-direction overrides or broken characters.");
        }

        var place = s.Place?.Trim();
        if (place is { Length: > MaxPlace })
        {
            Fail("place", $"The place can be at most {MaxPlace} characters.");
        }
        else if (place is not null && HasUnsafeCharacters(place, allowLineBreaks: false))
        {
            Fail("place", "The place cannot contain control characters, text-direction overrides or broken characters.");
        }

        var description = s.Description?.Trim();
        if (description is { Length: > MaxDescription })
        {
            Fail("description", $"The description can be at most {MaxDescription} characters.");
        }
        else if (description is not null && HasUnsafeCharacters(description, allowLineBreaks: true))
        {
            Fail("description", "The description cannot contain control characters (other than line breaks and tabs), text-direction overrides or broken characters.");
        }

        if (s.Participants is not { } participants)
        {
            Fail("participants", "The number of participants is required.");
        }
        else if (participants is < 0 or > MaxParticipants)
        {
            Fail("participants", $"The number of participants must be between 0 and {MaxParticipants}.");
        }

        var outcomes = s.Outcomes ?? new OutcomeSubmission();
        CheckCount(errors, "outcomes.householdsVisited", outcomes.HouseholdsVisited);
        CheckCount(errors, "outcomes.residentsServed", outcomes.ResidentsServed);
        CheckCount(errors, "outcomes.enterprisesServed", outcomes.EnterprisesServed);
        CheckCount(errors, "outcomes.problemsSolved", outcomes.ProblemsSolved);
        CheckCount(errors, "outcomes.disputesMediated", outcomes.DisputesMediated);
        CheckCount(errors, "outcomes.policySessions", outcomes.PolicySessions);
        CheckCount(errors, "outcomes.projectsLanded", outcomes.ProjectsLanded);

        var partners = s.Partners ?? [];
        if (partners.Count > MaxPartners)
        {
            Fail("partners", $"At most {MaxPartners} partner enterprises per activity.");
        }
        else
        {
            for (var i = 0; i < partners.Count; i++)
            {
                if (roster.FindEnterprise(partners[i]) is null)
                {
                    Fail($"partners[{i}]", $"There is no partner enterprise \"{Clip(partners[i])}\".");
                }
            }

            if (errors.Keys.All(k => !k.StartsWith("partners", StringComparison.Ordinal)) && partners.Distinct().Count() != partners.Count)
            {
                Fail("partners", "A partner enterprise is listed twice.");
            }
        }

        record = errors.Count > 0 ? null : new ActivityRecord
        {
            Id = s.Id!.Value,
            TeamId = s.TeamId!,
            OccurredAt = occurredAt,
            Domain = s.Domain!,
            District = s.District!,
            Place = string.IsNullOrEmpty(place) ? null : place,
            Title = title!,
            Description = string.IsNullOrEmpty(description) ? null : description,
            Participants = s.Participants!.Value,
            Outcomes = new Outcomes
            {
                HouseholdsVisited = outcomes.HouseholdsVisited ?? 0,
                ResidentsServed = outcomes.ResidentsServed ?? 0,
                EnterprisesServed = outcomes.EnterprisesServed ?? 0,
                ProblemsSolved = outcomes.ProblemsSolved ?? 0,
                DisputesMediated = outcomes.DisputesMediated ?? 0,
                PolicySessions = outcomes.PolicySessions ?? 0,
                ProjectsLanded = outcomes.ProjectsLanded ?? 0,
            },
            Partners = [.. partners.Select(p => p!)],
        };
        return errors;
    }

    /// <summary>An ISO 8601 date and time that says its offset (Z or ±hh:mm); a bare local time is ambiguous.</summary>
    public static bool TryParseInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        return ExplicitOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
    }

    private static void CheckCount(Dictionary<string, string[]> errors, string field, int? value)
    {
        if (value is < 0 or > MaxOutcome)
        {
            errors[field] = [$"Must be between 0 and {MaxOutcome}."];
        }
    }

    /// <summary>
    /// Text people typed, shown on the wall and in exports: no control characters (a description may keep its line
    /// breaks and tabs), no bidirectional embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069, which make
    /// text read differently from what it is), and no unpaired surrogates.
    /// </summary>
    internal static bool HasUnsafeCharacters(string text, bool allowLineBreaks)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c is (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069')
                || (char.IsControl(c) && !(allowLineBreaks && c is ('\n' or '\r' or '\t'))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Echo at most a little of what the user sent.</summary>
    private static string Clip(string? text) => text is null ? "" : text.Length <= 64 ? text : text[..64] + "…";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex ExplicitOffset();
}
