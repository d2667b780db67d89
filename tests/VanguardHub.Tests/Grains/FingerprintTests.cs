using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VanguardHub.Contracts.Activities;
using static VanguardHub.Tests.Infrastructure.TestData;

namespace VanguardHub.Tests.Grains;

/// <summary>
/// An activity's content fingerprint is kept in every stored activity index, to tell a resend from another activity
/// reusing an id: however it is computed, it must stay the digest of the same text.
/// </summary>
public sealed class FingerprintTests
{
    /// <summary>The text the fingerprint has always digested, written out the plain way.</summary>
    private static string Digest(ActivityRecord a)
    {
        var text = new StringBuilder()
            .Append(a.Id.ToString("N")).Append('\u001f')
            .Append(a.TeamId).Append('\u001f')
            .Append(a.OccurredAt.UtcTicks).Append('\u001f')
            .Append(a.Domain).Append('\u001f')
            .Append(a.District).Append('\u001f')
            .Append(a.Place).Append('\u001f')
            .Append(a.Title).Append('\u001f')
            .Append(a.Description).Append('\u001f')
            .Append(a.Participants).Append('\u001f')
            .Append(string.Join(',', a.Outcomes.HouseholdsVisited, a.Outcomes.ResidentsServed, a.Outcomes.EnterprisesServed,
                a.Outcomes.ProblemsSolved, a.Outcomes.DisputesMediated, a.Outcomes.PolicySessions, a.Outcomes.ProjectsLanded)).Append('\u001f')
            .AppendJoin(',', a.Partners.Order(StringComparer.Ordinal));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static TheoryData<string> Activities() => ["plain", "no place or description", "partners out of order", "long description", "every outcome"];

    private static ActivityRecord Sample(string kind) => kind switch
    {
        "no place or description" => Activity(Dianchi) with { Place = null, Description = null },
        "partners out of order" => Activity(Dianchi, partners: [Yuneng, KfcCoffee, "a-enterprise"]),
        "long description" => Activity(Dianchi) with { Description = string.Concat(Enumerable.Repeat("入户宣传政策，收集群众诉求😀 ", 300)) },
        "every outcome" => Activity(Dianchi) with
        {
            Participants = 100_000,
            Outcomes = new Outcomes
            {
                HouseholdsVisited = 1, ResidentsServed = 1_000_000, EnterprisesServed = 3, ProblemsSolved = 4, DisputesMediated = 5, PolicySessions = 6, ProjectsLanded = 7,
            },
        },
        _ => Activity(Dianchi),
    };

    [Theory]
    [MemberData(nameof(Activities))]
    public void The_fingerprint_is_the_digest_of_the_same_text_as_ever(string kind)
    {
        var activity = Sample(kind);

        var fingerprint = activity.ContentFingerprint();

        fingerprint.Should().Be(Digest(activity));
        activity.ContentFingerprint64().Should().Be(long.Parse(fingerprint.AsSpan(0, 16), NumberStyles.HexNumber));
        ActivityLocation.Of(activity).Fingerprint.Should().Be(activity.ContentFingerprint64());
    }

    [Fact]
    public void Any_change_to_the_content_changes_the_fingerprint_but_what_the_server_assigns_does_not()
    {
        var activity = Activity(Dianchi, partners: [KfcCoffee]);

        activity.ContentFingerprint().Should().NotBe((activity with { Title = activity.Title + "。" }).ContentFingerprint());
        activity.ContentFingerprint().Should().NotBe((activity with { Partners = [Yuneng] }).ContentFingerprint());
        activity.ContentFingerprint().Should().Be((activity with { Sequence = 9, RecordedAt = DateTimeOffset.UnixEpoch, RecordedBy = "someone" }).ContentFingerprint());
    }
}
