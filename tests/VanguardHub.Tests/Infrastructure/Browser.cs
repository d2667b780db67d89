using Microsoft.Playwright;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright; no browser is downloaded.</summary>
internal static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: ./test.sh installs Debian's chromium package.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // The machine has no network beyond its package mirrors: keep Chromium from reaching out.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }

    /// <summary>Where screenshots go: the test run's results folder when the test script sets it.</summary>
    public static string ArtifactPath(string name)
    {
        var folder = Environment.GetEnvironmentVariable("VANGUARDHUB_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }
}
