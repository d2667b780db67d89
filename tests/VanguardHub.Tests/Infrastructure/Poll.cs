namespace VanguardHub.Tests.Infrastructure;

/// <summary>
/// Waits for something that happens shortly after an acknowledgement (a push, a one-way report, a cached scrape).
/// The timeout is generous so a loaded machine does not flake; how fast it happens is the benchmarks' business.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>Asks until the answer is not null and returns it.</summary>
    public static async Task<T> Until<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Generous;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Nothing arrived within {Generous.TotalSeconds} s.");
            }

            await Task.Delay(25);
        }
    }

    public static Task<T> Until<T>(Func<T?> probe) where T : class => Until(() => Task.FromResult(probe()));

    public static Task Until(Func<Task<bool>> condition) => Until(async () => await condition() ? "" : null);
}
