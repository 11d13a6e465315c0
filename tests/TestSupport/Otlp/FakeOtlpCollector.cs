using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GpuSharing.TestSupport.Otlp;

/// <summary>
/// A FAKE OpenTelemetry collector: OTLP/HTTP with protobuf bodies (<c>POST /v1/traces</c>) on a loopback port, keeping
/// every span it receives. Not a collector: no batching, no processors, no gRPC; what a product's exporter sends,
/// decoded field by field, for tests to assert on.
/// </summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CollectedSpan> _spans = new();

    private FakeOtlpCollector(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The base address, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it (exporters append <c>/v1/traces</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<CollectedSpan> Spans => [.. _spans];

    /// <summary>The environment a product process needs to export here by OTLP/HTTP, with a short batch delay.</summary>
    public IReadOnlyDictionary<string, string> ExporterSettings => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };

    public static async Task<FakeOtlpCollector> StartAsync(CancellationToken cancellationToken = default)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapPost("/v1/traces", async (HttpRequest request, CancellationToken ct) =>
        {
            if (request.ContentType != "application/x-protobuf")
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }

            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, ct);
            foreach (var span in OtlpTraceDecoder.Decode(body.ToArray()))
            {
                collector._spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf"); // an empty ExportTraceServiceResponse: everything accepted
        });
        await app.StartAsync(cancellationToken);
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
