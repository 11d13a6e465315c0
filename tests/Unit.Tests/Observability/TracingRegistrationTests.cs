using GpuSharing.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace GpuSharing.Unit.Tests.Observability;

/// <summary>Tracing is off unless an OTLP endpoint is configured, on when it is, and a malformed endpoint stops the host at start with the setting's name.</summary>
public sealed class TracingRegistrationTests
{
    [Fact]
    public async Task Without_an_endpoint_no_tracer_provider_exists()
    {
        await using var app = Build([]);

        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData(TelemetryExtensions.OtlpEndpointKey)]
    [InlineData(TelemetryExtensions.OtlpTracesEndpointKey)]
    public async Task An_endpoint_turns_tracing_on(string key)
    {
        await using var app = Build(new() { [key] = "http://127.0.0.1:4318" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void A_malformed_endpoint_is_refused_with_the_setting_s_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { [TelemetryExtensions.OtlpEndpointKey] = "collector:4317" }));

        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URI", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear(); // not this machine's OTEL_* variables
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddGpuSharingTracing("test", null, "GpuSharing.Tests");
        return builder.Build();
    }
}
