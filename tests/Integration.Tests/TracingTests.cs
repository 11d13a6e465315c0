using System.Diagnostics;
using System.Net.Http.Json;
using GpuSharing.TestSupport.Otlp;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// Traces end to end, between real processes: a request that carries a W3C <c>traceparent</c> goes on, in the same
/// trace, through the gateway's grain calls to the silo and to the FAKE amd-smi processes the repartition runs, each a
/// span with its command line and exit code; both processes export by OTLP/HTTP to a FAKE collector.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task A_repartition_request_s_trace_reaches_every_amd_smi_process_it_causes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var collector = await FakeOtlpCollector.StartAsync(cancellationToken);
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device, collector.ExporterSettings, collector.ExporterSettings);
        var (traceId, callerSpan) = (ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());

        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning") { Content = JsonContent.Create(new { computeMode = "CPX" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        (await cluster.Http.SendAsync(request, cancellationToken)).EnsureSuccessStatusCode();
        Assert.Equal("Succeeded", (await cluster.WaitForOperationAsync("node-1", 0))["status"]!.GetValue<string>());

        // The set and the re-read that verifies it, both in the caller's trace (spans arrive in batches).
        var trace = await Eventually.UntilAsync(
            _ => Task.FromResult(collector.Spans.Where(s => s.TraceId == traceId).ToList()),
            spans => spans.Any(s => s.Name == "amd-smi set") && spans.Count(s => s.Name.StartsWith("amd-smi", StringComparison.Ordinal)) >= 2,
            TimeSpan.FromSeconds(30),
            spans => $"the trace has no amd-smi set and re-read: {string.Join("\n", spans ?? [])}\nall services: {string.Join(", ", collector.Spans.Select(s => s.Service).Distinct())}\n{cluster.Logs()}",
            cancellationToken: cancellationToken);
        var byId = trace.ToDictionary(s => s.SpanId);

        var server = Assert.Single(trace, s => s.Service == "gpu-sharing-gateway" && s.Kind == SpanKind.Server);
        Assert.Equal(callerSpan, server.ParentSpanId); // the caller's context was continued, not replaced
        Assert.Equal("PUT /api/v1/gpus/{node}/{index}/partitioning", server.Name);
        var call = Assert.Single(trace, s => s.Service == "gpu-sharing-gateway" && s.Kind == SpanKind.Client && s.Name == "INodeGrain/RequestPartitioningAsync");
        Assert.Equal(("Microsoft.Orleans.Application", server.SpanId), (call.Scope, call.ParentSpanId));
        Assert.Contains(trace, s => s.Service == "gpu-sharing-silo" && s.Kind == SpanKind.Server && s.Name == "IGpuGrain/StartComputeChangeAsync");
        Assert.Contains(trace, s => s.Service == "gpu-sharing-silo" && s.Scope == "Microsoft.Orleans.Storage" && s.Name == "write storage");

        var set = Assert.Single(trace, s => s.Name == "amd-smi set"); // the GPU selected by its BDF
        Assert.Equal("gpu-sharing-silo", set.Service);
        Assert.Equal([FakeAmdSmiDevice.ExecutablePath, "set", "--gpu", "0000:0c:00.0", "--compute-partition", "CPX"], Assert.IsType<List<object>>(set.Attribute("process.command_args")).Cast<string>());
        Assert.Equal(0L, set.Attribute("process.exit.code"));
        Assert.Equal(SpanStatus.Unset, set.Status);

        // Its ancestry: a grain call on the silo, the gateway's call, the request — one unbroken chain.
        var ancestors = new List<CollectedSpan>();
        for (var at = set; at.ParentSpanId is { } parent && byId.TryGetValue(parent, out var next); at = next)
        {
            ancestors.Add(next);
        }

        Assert.Equal(server, ancestors[^1]);
        Assert.Contains(ancestors, s => s.Service == "gpu-sharing-silo" && s.Scope == "Microsoft.Orleans.Application");

        // Probes and scrapes are never traced.
        Assert.DoesNotContain(collector.Spans, s => s.Name.Contains("healthz", StringComparison.Ordinal) || s.Name.Contains("readyz", StringComparison.Ordinal) || s.Name.Contains("/metrics", StringComparison.Ordinal));
    }
}
