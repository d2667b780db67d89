namespace VanguardHub.Contracts.Catalog;

/// <summary>
/// Days, weeks and months in every aggregate are counted in Kunming's time (UTC+8, no daylight saving),
/// whatever zone the server runs in. A fixed offset avoids depending on the host's tz database.
/// </summary>
public static class BeijingTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateTimeOffset ToBeijing(DateTimeOffset instant) => instant.ToOffset(Offset);

    public static DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(Offset).DateTime);

    /// <summary>The month partition key, e.g. "202611".</summary>
    public static string MonthKeyOf(DateTimeOffset instant)
    {
        var local = instant.ToOffset(Offset);
        return $"{local.Year:D4}{local.Month:D2}";
    }

    public static DateTimeOffset StartOfDay(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), Offset);

    /// <summary>The first instant of the month after <paramref name="monthKey"/>.</summary>
    public static DateTimeOffset EndOfMonth(string monthKey) => StartOfMonth(monthKey).AddMonths(1);

    public static DateTimeOffset StartOfMonth(string monthKey) =>
        new(int.Parse(monthKey[..4]), int.Parse(monthKey[4..]), 1, 0, 0, 0, Offset);
}
