namespace GpuSharing.KServe.Tests;

/// <summary>
/// One fake API server, cluster and watcher shared by the tests of a class whose cases do not disturb each other
/// (each uses a namespace of its own) — the Orleans docs' shared-cluster pattern.
/// </summary>
public sealed class SharedWatcherEnvironment : IAsyncLifetime
{
    private int _namespaces;

    public KServeEnvironment Environment { get; private set; } = null!;

    public string NextNamespace() => $"case-{Interlocked.Increment(ref _namespaces)}";

    public async ValueTask InitializeAsync()
    {
        Environment = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"));
        await Environment.StartWatcherAsync();
    }

    public async ValueTask DisposeAsync() => await Environment.DisposeAsync();
}
