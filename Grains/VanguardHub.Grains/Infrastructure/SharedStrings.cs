using System.Collections.Immutable;
using VanguardHub.Contracts.Activities;

namespace VanguardHub.Grains.Infrastructure;

/// <summary>
/// One instance of each value of the strings a team's records repeat: its id, domains, districts, who recorded them,
/// partner enterprises, month and chunk keys. Orleans' serializer writes a string it has already written in the same
/// state as a reference to the first, by identity: a state whose records share instances carries each such text once
/// (a team write carries its open chunk's records, an index page hundreds of locations). Each request's JSON made
/// its own copies; what arrives goes through here before it is held.
/// </summary>
/// <param name="capacity">Distinct values kept before starting afresh, so that no run of odd values makes it grow without bound.</param>
internal sealed class SharedStrings(int capacity = 4096)
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string Share(string value)
    {
        if (_values.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (_values.Count >= capacity)
        {
            _values.Clear();
        }

        _values[value] = value;
        return value;
    }

    public string? ShareOrNull(string? value) => value is null ? null : Share(value);

    public ImmutableArray<string> Share(ImmutableArray<string> values)
    {
        if (values.IsDefaultOrEmpty)
        {
            return values;
        }

        var builder = ImmutableArray.CreateBuilder<string>(values.Length);
        foreach (var value in values)
        {
            builder.Add(Share(value));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>The same record, its repeated texts replaced by the shared instances.</summary>
    public ActivityRecord Share(ActivityRecord record) => record with
    {
        TeamId = Share(record.TeamId),
        Domain = Share(record.Domain),
        District = Share(record.District),
        Partners = Share(record.Partners),
        RecordedBy = ShareOrNull(record.RecordedBy),
        VerifiedBy = ShareOrNull(record.VerifiedBy),
    };
}
