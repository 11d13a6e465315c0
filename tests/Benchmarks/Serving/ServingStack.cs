using GpuSharing.Gateway.Configuration;
using GpuSharing.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Benchmarks.Serving;

/// <summary>
/// The product in this process, on real sockets: one silo with the product's own wiring (memory storage, simulated
/// GPUs, a SIMULATED inference server per placed replica) and two gateways on Kestrel connected to it — one with
/// admission by priority, one a plain proxy (<c>GpuSharing:Gateway:Serving:Admission=false</c>) — so that both see
/// the same replicas.
/// </summary>
public sealed class ServingStack : IAsyncDisposable
{
    private readonly InProcessSilo _silo;
    private readonly WebApplicationFactory<GatewayOptions> _admitting;
    private readonly WebApplicationFactory<GatewayOptions> _plain;

    private ServingStack(InProcessSilo silo, WebApplicationFactory<GatewayOptions> admitting, WebApplicationFactory<GatewayOptions> plain)
    {
        _silo = silo;
        _admitting = admitting;
        _plain = plain;
    }

    public const string Node = "bench";

    /// <summary>The gateway with admission by priority.</summary>
    public Uri Admitting { get; private set; } = null!;

    /// <summary>The gateway without admission (plain proxy).</summary>
    public Uri Plain { get; private set; } = null!;

    public IGrainFactory Grains => _silo.Grains;

    public static async Task<ServingStack> StartAsync(string simulatedGpus, CancellationToken cancellationToken)
    {
        var silo = await InProcessSilo.StartAsync(Node, simulatedGpus, cancellationToken: cancellationToken);
        var stack = new ServingStack(silo, Gateway(silo, admission: true), Gateway(silo, admission: false));
        stack.Admitting = Start(stack._admitting);
        stack.Plain = Start(stack._plain);
        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        await _admitting.DisposeAsync();
        await _plain.DisposeAsync();
        await _silo.DisposeAsync();
    }

    private static WebApplicationFactory<GatewayOptions> Gateway(InProcessSilo silo, bool admission)
    {
        var port = FreePorts.Next();
        var factory = new WebApplicationFactory<GatewayOptions>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Benchmark");
            foreach (var (key, value) in silo.ClusterSettings)
            {
                builder.UseSetting(key, value);
            }

            builder.UseSetting("GpuSharing:Gateway:SiloGatewayPorts:0", $"{silo.GatewayPort}");
            builder.UseSetting("GpuSharing:Gateway:Serving:Admission", admission ? "true" : "false");
            builder.UseSetting("urls", $"http://127.0.0.1:{port}"); // the output folder's appsettings.json may be the silo's
            builder.ConfigureLogging(logging => logging.ClearProviders());
        });
        factory.UseKestrel();
        return factory;
    }

    private static Uri Start(WebApplicationFactory<GatewayOptions> factory)
    {
        factory.StartServer();
        using var client = factory.CreateClient();
        return client.BaseAddress!;
    }
}
