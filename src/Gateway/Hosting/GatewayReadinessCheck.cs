using GpuSharing.Grains.Interfaces.Fleet;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GpuSharing.Gateway.Hosting;

/// <summary>Ready when a grain call through the Orleans client succeeds.</summary>
public sealed class GatewayReadinessCheck(IClusterClient grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var nodes = await grains.GetGrain<IFleetGrain>(Pools.Default).GetNodesAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"{nodes.Count} node(s) registered.");
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The cluster cannot be reached.", ex);
        }
    }
}
