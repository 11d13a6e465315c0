using GpuSharing.Gateway.Configuration;
using GpuSharing.Grains.Hardware.Simulation;
using GpuSharing.Silo.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Gateway.Tests;

/// <summary>
/// The gateway's web host in this process (<see cref="WebApplicationFactory{TEntryPoint}"/>: its own Program, its
/// pipeline, no socket), connected to a silo that also runs in this process with the product's own wiring
/// (<see cref="SiloHostBuilderExtensions.AddGpuSharingSilo"/>: memory storage, localhost clustering, simulated
/// MI300X GPUs, a SIMULATED inference server per placed replica). No processes: what the gateway does with a request, from the first byte to the grain and back.
/// </summary>
public class GatewayHostFixture : IAsyncLifetime
{
    private readonly Dictionary<string, string?> _gatewaySettings;
    private readonly Dictionary<string, string?> _siloSettings;
    private InProcessSilo? _silo;
    private WebApplicationFactory<GatewayOptions>? _gateway;

    public GatewayHostFixture()
        : this(new Dictionary<string, string?> { ["GpuSharing:Gateway:Serving:BypassScrapeInterval"] = "00:00:00.500" })
    {
    }

    protected GatewayHostFixture(Dictionary<string, string?> gatewaySettings, Dictionary<string, string?>? siloSettings = null)
    {
        _gatewaySettings = gatewaySettings;
        _siloSettings = siloSettings ?? [];
    }

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The silo's own HTTP endpoints (<c>/metrics</c>).</summary>
    public Uri SiloHttp => _silo!.Http;

    /// <summary>The gateway's services, to read its own counters.</summary>
    public IServiceProvider GatewayServices => _gateway!.Services;

    /// <summary>The silo's grains, to call them as the product's own processes do (e.g. report endpoints to the directory).</summary>
    public IGrainFactory Grains => _silo!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's simulated device, to re-read what the hardware holds.</summary>
    public SimulatedGpuNode Device => _silo!.Services.GetRequiredService<SimulatedGpuNode>();

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _silo = await InProcessSilo.StartAsync("node-1", "MI300X:2", _siloSettings, cancellationToken);
        _gateway = new WebApplicationFactory<GatewayOptions>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in _silo.ClusterSettings)
            {
                builder.UseSetting(key, value);
            }

            builder.UseSetting("GpuSharing:Gateway:SiloGatewayPorts:0", $"{_silo.GatewayPort}");
            foreach (var (key, value) in _gatewaySettings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.ClearProviders());
        });
        Http = _gateway.CreateClient();

        // Ready once the silo has registered its node's GPUs (the node agent reads the simulated device at start).
        await Eventually.UntilAsync(
            async ct => await (await Http.GetAsync("/api/v1/gpus", ct)).Content.ReadAsStringAsync(ct),
            body => body.Contains("\"computeMode\":\"SPX\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            body => $"the gateway never listed the silo's GPUs; last answer: {body}",
            cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
