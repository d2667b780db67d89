using System.Globalization;
using System.Text.RegularExpressions;

namespace VanguardHub.Bench;

/// <summary>
/// The service's own duration histograms, read from its <c>/metrics</c> (Prometheus text) before and after the
/// measured seconds: where an end-to-end figure's time went inside the service. Each figure is the upper bound of
/// the bucket that holds the quantile, as <c>histogram_quantile</c> would place it at most.
/// </summary>
internal static partial class ServiceHistograms
{
    /// <summary>A histogram's cumulative bucket counts by upper bound (seconds), one series.</summary>
    public sealed record Buckets(SortedList<double, long> Counts)
    {
        public long Total => Counts.Count == 0 ? 0 : Counts.Values[^1];

        public Buckets Minus(Buckets earlier) => new(new SortedList<double, long>(
            Counts.ToDictionary(c => c.Key, c => c.Value - earlier.Counts.GetValueOrDefault(c.Key))));

        /// <summary>Milliseconds: the upper bound of the bucket holding quantile <paramref name="q"/>; infinity past the last bound.</summary>
        public double AtMost(double q)
        {
            foreach (var (bound, count) in Counts)
            {
                if (count >= q * Total)
                {
                    return bound * 1000;
                }
            }

            return double.PositiveInfinity;
        }

        public string Describe() => Total == 0
            ? "none recorded"
            : string.Create(CultureInfo.InvariantCulture, $"p50 ≤{AtMost(0.50):G4} ms, p95 ≤{AtMost(0.95):G4} ms, p99 ≤{AtMost(0.99):G4} ms of {Total}");
    }

    /// <summary>The series <paramref name="name"/> (its <c>_bucket</c> lines) whose labels include <paramref name="label"/>, if given.</summary>
    public static async Task<Buckets> Read(HttpClient admin, string name, string? label = null)
    {
        var text = await admin.GetStringAsync("/metrics");
        var counts = new SortedList<double, long>();
        foreach (Match line in BucketLine().Matches(text))
        {
            if (line.Groups["name"].Value != name || (label is not null && !line.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            {
                continue;
            }

            var bound = line.Groups["le"].Value == "+Inf" ? double.PositiveInfinity : double.Parse(line.Groups["le"].Value, CultureInfo.InvariantCulture);
            counts[bound] = counts.GetValueOrDefault(bound) + long.Parse(line.Groups["count"].Value, CultureInfo.InvariantCulture);
        }

        return new Buckets(counts);
    }

    [GeneratedRegex("""^(?<name>[a-z_]+)_bucket\{(?<labels>[^}]*?),?le="(?<le>[^"]+)"\} (?<count>\d+)""", RegexOptions.Multiline)]
    private static partial Regex BucketLine();
}
