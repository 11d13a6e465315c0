using GpuSharing.Silo.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GpuSharing.Silo.Health;

/// <summary>Ready once the node agent has read the device and registered the node.</summary>
public sealed class NodeAgentHealthCheck(NodeAgentStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.Registered
            ? HealthCheckResult.Healthy($"{status.GpuCount} GPU(s) attached.")
            : HealthCheckResult.Unhealthy(status.LastError is { } error ? $"GPU discovery failed: {error}" : "Discovering GPUs."));
}
