using System.Text;

namespace GpuSharing.Chaos.Tests;

/// <summary>
/// One run of the chaos suites in short mode, shared by the tests that each assert one guarantee. Its progress and
/// figures go to the test output and to <c>.run/chaos-short.txt</c>.
/// </summary>
public sealed class ChaosRunFixture : IAsyncLifetime
{
    private readonly StringBuilder _progress = new();

    public ChaosReport Report { get; private set; } = null!;

    public string Progress => _progress.ToString();

    public async ValueTask InitializeAsync()
    {
        var logs = Path.Combine(TestSupport.Fixtures.RepositoryRoot, ".run", "chaos-short-logs");
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true); // a run's logs only, not mixed with an earlier run's
        }

        using var progress = new StringWriter(_progress);
        Report = await new ChaosSuite(new ChaosSettings(Long: false, Seed: 20261201), TextWriter.Synchronized(progress), logs)
            .RunAsync(TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(
            Path.Combine(TestSupport.Fixtures.RepositoryRoot, ".run", "chaos-short.txt"),
            $"{Progress}\n{Report.Describe()}",
            TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
