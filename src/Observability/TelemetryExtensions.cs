using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GpuSharing.Observability;

/// <summary>
/// <c>/metrics</c> on a host: the product's meters (<c>GpuSharing.*</c>), Orleans' and ASP.NET Core's, in the
/// Prometheus text format through OpenTelemetry's exporter — no hand-written exposition. Traces, when an OTLP endpoint
/// is configured: W3C trace context from an HTTP request through grain calls to the processes a node runs.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>OpenTelemetry's own setting (environment variable or configuration key): where spans go. Unset: no tracing.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The same for traces only; either turns tracing on.</summary>
    public const string OtlpTracesEndpointKey = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>Probes and scrapes that would otherwise be most of the spans, and mean nothing in a trace.</summary>
    private static readonly PathString[] UntracedPaths = [MetricsPath, "/healthz", "/readyz"];

    /// <summary>True when an OTLP endpoint is configured, i.e. when <see cref="AddGpuSharingTracing"/> exports spans.</summary>
    public static bool IsTracingConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]) || !string.IsNullOrWhiteSpace(configuration[OtlpTracesEndpointKey]);

    /// <summary>
    /// Spans of incoming requests (W3C <c>traceparent</c> continued), outgoing HTTP calls (propagated), and the
    /// <paramref name="sources"/> (grain calls, processes), exported by OTLP — only when <see cref="OtlpEndpointKey"/> or
    /// <see cref="OtlpTracesEndpointKey"/> is set. Otherwise nothing listens, so no span is even created. The exporter
    /// reads the other <c>OTEL_*</c> settings (protocol, headers, batch delay) itself; <c>OTEL_SERVICE_NAME</c>, when
    /// set, names the service instead of <paramref name="serviceName"/>.
    /// </summary>
    public static IHostApplicationBuilder AddGpuSharingTracing(this IHostApplicationBuilder builder, string serviceName, string? instance, params string[] sources)
    {
        var configuration = builder.Configuration;
        if (!IsTracingConfigured(configuration))
        {
            return builder;
        }

        foreach (var key in new[] { OtlpEndpointKey, OtlpTracesEndpointKey })
        {
            if (configuration[key] is { Length: > 0 } value && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                throw new InvalidOperationException($"{key} must be an http(s) URI such as http://otel-collector:4317; it is '{value}'.");
            }
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(serviceName, serviceInstanceId: instance);
                }
            })
            .WithTracing(tracing => tracing
                .AddSource(sources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !UntracedPaths.Any(p => context.Request.Path.StartsWithSegments(p)))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        return builder;
    }

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
