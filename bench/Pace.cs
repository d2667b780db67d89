using System.Diagnostics;

namespace VanguardHub.Bench;

/// <summary>Open-loop pacing: each request is due at its own moment, whenever the one before it finished.</summary>
internal static class Pace
{
    /// <summary>
    /// Waits until <paramref name="clock"/> reads <paramref name="due"/>, and not at all when it already does. The clock
    /// is read once: comparing with one reading and waiting for the difference to another can give a negative wait,
    /// which <see cref="Task.Delay(TimeSpan)"/> refuses with an exception, and on a busy machine it did, stopping a
    /// writer in the middle of a run.
    /// </summary>
    public static Task Until(Stopwatch clock, TimeSpan due, CancellationToken cancellationToken = default)
    {
        var wait = due - clock.Elapsed;
        return wait > TimeSpan.Zero ? Task.Delay(wait, cancellationToken) : Task.CompletedTask;
    }
}
