using Microsoft.Playwright;

namespace GpuSharing.EndToEnd.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by test.sh when missing), headless, driven by Playwright —
/// which never downloads a browser here. The flags keep it off the network it would otherwise try to reach.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where each page's screenshot goes: beside the test results test.sh collects.</summary>
    public static string ScreenshotDirectory => Directory.CreateDirectory(Path.Combine(Fixtures.RepositoryRoot, ".run", "test-results", "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing: sudo apt-get install chromium (./test.sh installs it).");
        }

        // A web-first assertion waits 5 s by default: too short on two cores shared with the other test lanes, where the
        // page's first fetch of the fleet can take longer than that.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh page the size of a laptop screen, failing on any script error the page raises.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) // an HTTP error the page handles
            {
                errors.Add(message.Text);
            }
        };
        page.SetDefaultTimeout(15_000);
        return (context, page, errors);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
