using Microsoft.Playwright;

namespace VanguardHub.Tests.Infrastructure;

/// <summary>One Chromium for a test class, closed with it.</summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    /// <summary>How long a page may take to show what a test waits for; generous, so a loaded machine does not flake.</summary>
    public const float Generous = 30_000;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync() => (_playwright, Browser) = await Infrastructure.Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

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

/// <summary>Browser sessions signed in as the service's pages sign people in, and the CSP violations a page reports.</summary>
internal static class BrowserSessions
{
    /// <summary>A new browser context signed in with a session cookie, through POST /api/auth/login as the login page does.</summary>
    public static async Task<IBrowserContext> SignedInAsync(this IBrowser browser, Uri address, string username, string password, int width = 1440, int height = 1000)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var response = await context.APIRequest.PostAsync(new Uri(address, "/api/auth/login").ToString(), new() { DataObject = new { username, password } });
        if (!response.Ok)
        {
            throw new InvalidOperationException($"Sign-in as {username} failed: {response.Status} {await response.TextAsync()}");
        }

        return context;
    }

    /// <summary>Records every Content-Security-Policy violation the page reports on its console.</summary>
    public static IPage WatchCsp(this IPage page, List<string> violations)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };
        return page;
    }
}
