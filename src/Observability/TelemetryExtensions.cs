using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace GpuSharing.Observability;

/// <summary>
/// <c>/metrics</c> on a host: the product's meters (<c>GpuSharing.*</c>), Orleans' and ASP.NET Core's, in the
/// Prometheus text format through OpenTelemetry's exporter — no hand-written exposition.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>The meters every host exports besides its own.</summary>
    public static readonly string[] PlatformMeters =
    [
        "Microsoft.Orleans",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "System.Net.Http",
    ];

    public static IHostApplicationBuilder AddGpuSharingMetrics(this IHostApplicationBuilder builder, params string[] meters)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([.. meters, .. PlatformMeters])
            .AddPrometheusExporter());
        return builder;
    }

    public static IEndpointConventionBuilder MapGpuSharingMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
}
