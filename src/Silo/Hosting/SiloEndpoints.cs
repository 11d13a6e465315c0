using GpuSharing.Observability;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace GpuSharing.Silo.Hosting;

public static class SiloEndpoints
{
    /// <summary><c>/healthz</c>: the process is alive (touches neither grains nor storage). <c>/readyz</c>: the silo is active and, on a node, its GPUs are attached. <c>/metrics</c>: Prometheus.</summary>
    public static WebApplication MapSiloEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapGpuSharingMetrics();
        return app;
    }
}
