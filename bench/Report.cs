using System.Text.Json;

namespace VanguardHub.Bench;

internal sealed record ResultRow(
    string Measure, long Count, double PerSecond, double P50Ms, double P95Ms, double P99Ms, double? RssMiB, double? CpuPercent, string Note);

/// <summary>
/// One of the performance targets, judged from a run: what it asks, what the run measured, and whether that meets it.
/// <paramref name="Met"/> is null when the run was not at the load the target names (other clients, walls or rates).
/// </summary>
internal sealed record Verdict(string Target, string Wanted, string Measured, bool? Met);

internal sealed record ScenarioResult(string Scenario, bool Correct, IReadOnlyList<ResultRow> Rows)
{
    // Written to the JSON once, as its "targets", for all scenarios together.
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Verdict> Verdicts { get; init; } = [];
}

internal static class Stats
{
    /// <summary>CPU time used over a stretch of wall-clock time, as a share of all this machine's cores.</summary>
    public static double CpuPercent(TimeSpan used, TimeSpan elapsed) => used.TotalSeconds / elapsed.TotalSeconds / Environment.ProcessorCount * 100;

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The middle value, or the mean of the two middle ones: for comparing a few runs, where the lower of two would do for neither.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal static class Report
{
    public static void Print(IEnumerable<ScenarioResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine($"{"scenario",-8} {"measure",-44} {"count",8} {"per s",9} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"RSS MiB",8} {"CPU %",6}  note");
        foreach (var result in results)
        {
            foreach (var row in result.Rows)
            {
                Console.WriteLine($"{result.Scenario,-8} {row.Measure,-44} {row.Count,8} {row.PerSecond,9:F0} {row.P50Ms,8:F1} {row.P95Ms,8:F1} {row.P99Ms,8:F1} {Show(row.RssMiB),8} {Show(row.CpuPercent),6}  {row.Note}");
            }

            Console.WriteLine($"{result.Scenario,-8} correctness: {(result.Correct ? "ok" : "FAILED")}");
        }

        var verdicts = results.SelectMany(r => r.Verdicts).ToList();
        if (verdicts.Count == 0)
        {
            return;
        }

        var targetWidth = verdicts.Max(v => v.Target.Length);
        var wantedWidth = verdicts.Max(v => v.Wanted.Length);
        Console.WriteLine();
        Console.WriteLine($"{"target".PadRight(targetWidth)}  {"wanted".PadRight(wantedWidth)}  met  measured");
        foreach (var verdict in verdicts)
        {
            Console.WriteLine($"{verdict.Target.PadRight(targetWidth)}  {verdict.Wanted.PadRight(wantedWidth)}  {YesNo(verdict.Met),-3}  {verdict.Measured}");
        }
    }

    /// <summary>"yes", "no", or "n/a" for a run at another load than the target's.</summary>
    private static string YesNo(bool? met) => met switch { true => "yes", false => "no", null => "n/a" };

    public static async Task WriteJson(IEnumerable<ScenarioResult> results, string path)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, new
        {
            machine = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), dotnet = Environment.Version.ToString() },
            at = DateTimeOffset.UtcNow,
            results,
            targets = results.SelectMany(r => r.Verdicts),
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        Console.WriteLine($"results written to {Path.GetFullPath(path)}");
    }

    private static string Show(double? value) => value is { } v ? v.ToString("F0") : "-";
}
