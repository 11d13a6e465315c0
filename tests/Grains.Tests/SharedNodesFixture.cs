namespace GpuSharing.Grains.Tests;

/// <summary>
/// One cluster for the tests of a class that each change only GPUs of their own (the Orleans docs' shared-cluster
/// pattern): node-a with eight MI300X, node-b with one MI355X. Tests that need other device timings, storage or
/// platforms, or that change a whole node, start a cluster of their own.
/// </summary>
public sealed class SharedNodesFixture : IAsyncLifetime
{
    public HardwareCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await HardwareCluster.StartAsync(("node-a", "MI300X:8"), ("node-b", "MI355X:1"));

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
