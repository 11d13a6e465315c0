
namespace GpuSharing.Integration.Tests;

/// <summary>One fake-amd-smi node and a gateway shared by read-only and bad-input tests.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public FakeAmdSmiDevice Device { get; } = new("7.0.0", "MI300X:2");

    public ClusterEnvironment Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(Device);

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Device.Dispose();
    }
}
