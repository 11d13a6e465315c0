using GpuSharing.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuSharing.TestSupport;

/// <summary>
/// A silo in this process with the product's own wiring (<see cref="SiloHostBuilderExtensions.AddGpuSharingSilo"/>):
/// role <c>all</c>, memory storage, localhost clustering under a cluster id of its own, simulated GPUs and the
/// SIMULATED replica runtime unless the settings say otherwise. Gateways join it with <see cref="ClusterSettings"/> and
/// <see cref="GatewayPort"/>.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessSilo(WebApplication app, IReadOnlyDictionary<string, string?> cluster, int gatewayPort, Uri http)
    {
        _app = app;
        ClusterSettings = cluster;
        GatewayPort = gatewayPort;
        Http = http;
    }

    /// <summary>The silo's own HTTP endpoints (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>).</summary>
    public Uri Http { get; }

    /// <summary>The settings a gateway needs to join this silo's cluster (storage, clustering, ids).</summary>
    public IReadOnlyDictionary<string, string?> ClusterSettings { get; }

    /// <summary>The silo's Orleans gateway port.</summary>
    public int GatewayPort { get; }

    public IServiceProvider Services => _app.Services;

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public static async Task<InProcessSilo> StartAsync(string node, string simulatedGpus, IReadOnlyDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        var clusterId = $"in-process-{Guid.NewGuid():N}"[..30];
        var gatewayPort = FreePorts.Next();
        var httpPort = FreePorts.Next();
        var cluster = new Dictionary<string, string?>
        {
            ["GpuSharing:Storage"] = "memory",
            ["GpuSharing:Clustering"] = "localhost",
            ["GpuSharing:Cluster:ClusterId"] = clusterId,
            ["GpuSharing:Cluster:ServiceId"] = clusterId,
        };

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(cluster);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{httpPort}",
            ["GpuSharing:Silo:Role"] = "all",
            ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
            ["GpuSharing:Silo:GatewayPort"] = $"{gatewayPort}",
            ["GpuSharing:Node:Name"] = node,
            ["GpuSharing:Node:Backend"] = "simulated",
            ["GpuSharing:Node:SimulatedGpus"] = simulatedGpus,
            ["GpuSharing:Node:Runtime"] = "simulated",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.AddGpuSharingSilo();
        var app = builder.Build();
        app.MapSiloEndpoints();
        await app.StartAsync(cancellationToken);
        return new InProcessSilo(app, cluster, gatewayPort, new Uri($"http://127.0.0.1:{httpPort}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
