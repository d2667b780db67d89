using System.Globalization;
using System.Text.RegularExpressions;

namespace VanguardHub.Bench;

/// <summary>
/// The service's JIT, read from its <c>/metrics</c>. A fresh process compiles its hot paths again under load (tiered
/// compilation with profile-guided optimisation compiles a hot method up to four times: quickly, instrumented, then
/// optimised with what the instrumented code measured), for one to two minutes at 1,000 activities/s, on a thread
/// that takes its CPU from everything else on two cores. Figures taken meanwhile measure a process still starting;
/// the warm-up therefore goes on until the JIT has settled, and the measured seconds say how much it still compiled.
/// </summary>
internal static partial class ServiceJit
{
    /// <summary>The warm-up goes on in steps this long while the JIT is busier than <see cref="SettledCoreShare"/>.</summary>
    public const int StepSeconds = 10;

    /// <summary>
    /// The share of one core below which the JIT counts as settled. At 1,000 activities/s it took 30-70% of a core for
    /// the first 50 s, 3-7% at 60-70 s (a few dozen methods a second, but large ones), then about 1% (paths taken
    /// rarely, with a blip now and then).
    /// </summary>
    public const double SettledCoreShare = 0.02;

    /// <summary>The longest warm-up, settled or not.</summary>
    public const int MaxSeconds = 240;

    /// <summary>The counters at one moment: methods compiled and seconds spent compiling since the process started.</summary>
    public readonly record struct Reading(double Methods, double Seconds, DateTime At)
    {
        public Rate Since(Reading earlier)
        {
            var elapsed = Math.Max(0.001, (At - earlier.At).TotalSeconds);
            return new Rate((Methods - earlier.Methods) / elapsed, (Seconds - earlier.Seconds) / elapsed);
        }
    }

    /// <summary>Methods compiled per second, and the share of one core the compiling took.</summary>
    public readonly record struct Rate(double MethodsPerSecond, double CoreShare)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{MethodsPerSecond:F0} methods/s, {CoreShare * 100:F1}% of a core");
    }

    /// <summary>How the warm-up went: how long, and the JIT's rate over its last step (null: the service does not report its JIT).</summary>
    public sealed record WarmUp(int Seconds, Rate? Last)
    {
        public bool Settled => Last is { } rate && rate.CoreShare < SettledCoreShare;

        public override string ToString() => Last is not { } rate
            ? $"{Seconds} s"
            : $"{Seconds} s; the service's JIT over its last {StepSeconds} s: {rate}" + (Settled ? "" : $" (not settled within {MaxSeconds} s)");
    }

    /// <summary>The service's JIT counters, or null when its <c>/metrics</c> has none or cannot be read (an older service given by <c>--url</c>).</summary>
    public static async Task<Reading?> Read(HttpClient admin)
    {
        string text;
        try
        {
            text = await admin.GetStringAsync("/metrics");
        }
        catch (HttpRequestException)
        {
            return null;
        }

        var methods = Value(text, "dotnet_jit_compiled_methods_total");
        var seconds = Value(text, "dotnet_jit_compilation_time_seconds_total");
        return methods is null || seconds is null ? null : new Reading(methods.Value, seconds.Value, DateTime.UtcNow);
    }

    /// <summary>The JIT's rate from <paramref name="before"/> to now; null when either reading is missing.</summary>
    public static async Task<Rate?> Since(HttpClient admin, Reading? before) =>
        before is { } earlier && await Read(admin) is { } now ? now.Since(earlier) : null;

    /// <summary>
    /// Drives the load (<paramref name="drive"/>: for so many seconds) for at least <paramref name="minSeconds"/>, then
    /// <see cref="StepSeconds"/> at a time while the service's JIT took more than <see cref="SettledCoreShare"/> of a
    /// core in the step before, up to <see cref="MaxSeconds"/>.
    /// </summary>
    public static async Task<WarmUp> Drive(HttpClient admin, int minSeconds, Func<int, Task> drive)
    {
        var seconds = 0;
        var step = Math.Min(minSeconds, StepSeconds);
        if (minSeconds > step)
        {
            await drive(minSeconds - step);
            seconds = minSeconds - step;
        }

        while (true)
        {
            var before = await Read(admin);
            await drive(step);
            seconds += step;
            var last = await Since(admin, before);
            if (last is not { } rate || rate.CoreShare < SettledCoreShare || seconds + StepSeconds > Math.Max(MaxSeconds, minSeconds))
            {
                return new WarmUp(seconds, last);
            }

            step = StepSeconds;
        }
    }

    private static double? Value(string text, string name)
    {
        foreach (Match line in CounterLine().Matches(text))
        {
            if (line.Groups["name"].Value == name)
            {
                return double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex("""^(?<name>[a-z_]+)(?:\{[^}]*\})? (?<value>[0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex CounterLine();
}
