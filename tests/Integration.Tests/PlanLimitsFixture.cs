using System.Net.Http.Headers;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// A node and a gateway with a token, whose what-if plans stop after 10 ms (no large plan finishes in that) and run one
/// at a time. <see cref="ClusterEnvironment.Http"/> sends the token.
/// </summary>
public sealed class PlanLimitsFixture : IAsyncLifetime
{
    public FakeAmdSmiDevice Device { get; } = new("7.0.0", "MI300X:2");

    public ClusterEnvironment Cluster { get; private set; } = null!;

    public const string Token = "plan-limits-token";

    public async ValueTask InitializeAsync()
    {
        Cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(
            Device,
            gatewaySettings: new Dictionary<string, string>
            {
                ["GpuSharing:Gateway:BearerToken"] = Token,
                ["GpuSharing:Gateway:PlanTimeout"] = "00:00:00.010",
                ["GpuSharing:Gateway:MaxConcurrentPlans"] = "1",
            });
        Cluster.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Device.Dispose();
    }
}
