namespace GpuSharing.Integration.Tests;

/// <summary>
/// A gateway that would listen beyond loopback without a token refuses to start (real Kestrel, real processes). That the
/// token guards mutations and the dashboard is tested on the web host in process (Gateway.Tests).
/// </summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task A_gateway_exposed_beyond_loopback_without_a_token_refuses_to_start()
    {
        var gateway = ServiceProcess.Start("Gateway", "exposed-gateway", FreePorts.Next(), new Dictionary<string, string>(), bindAddress: "0.0.0.0");
        await using (gateway)
        {
            await ExitAsync(gateway);

            Assert.True(gateway.HasExited, "the gateway kept running without a token on 0.0.0.0");
            Assert.Contains("GpuSharing:Gateway:BearerToken is not set", gateway.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_Kestrel_endpoint_beyond_loopback_is_caught_after_binding_even_when_urls_says_loopback()
    {
        // A silo to connect to (the gateway binds once its cluster client is up).
        await using var environment = ClusterEnvironment.Create(new Dictionary<string, string> { ["GpuSharing:Storage"] = "memory", ["GpuSharing:Clustering"] = "localhost" });
        var siloGatewayPort = FreePorts.Next();
        await environment.StartSiloAsync("silo", new Dictionary<string, string>
        {
            ["GpuSharing:Silo:Role"] = "all",
            ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
            ["GpuSharing:Silo:GatewayPort"] = $"{siloGatewayPort}",
            ["GpuSharing:Node:Name"] = "node-1",
            ["GpuSharing:Node:Backend"] = "simulated",
            ["GpuSharing:Node:SimulatedGpus"] = "MI300X:1",
        });

        // --urls names loopback (the start-up check passes), but Kestrel is also told to listen on every address.
        var gateway = ServiceProcess.Start("Gateway", "kestrel-endpoint-gateway", FreePorts.Next(), new Dictionary<string, string>(environment.Common)
        {
            ["GpuSharing:Gateway:SiloGatewayPorts:0"] = $"{siloGatewayPort}",
            ["Kestrel:Endpoints:Public:Url"] = $"http://0.0.0.0:{FreePorts.Next()}",
        });
        await using (gateway)
        {
            await ExitAsync(gateway);

            Assert.True(gateway.HasExited, "the gateway kept running on 0.0.0.0 without a token");
            Assert.Contains("beyond loopback, but GpuSharing:Gateway:BearerToken is not set", gateway.Output, StringComparison.Ordinal);
            Assert.Contains("0.0.0.0", gateway.Output, StringComparison.Ordinal);
        }
    }

    private static Task<bool> ExitAsync(ServiceProcess gateway) =>
        Eventually.UntilAsync(
            _ => Task.FromResult(gateway.HasExited),
            exited => exited,
            TimeSpan.FromSeconds(30),
            _ => $"the gateway kept running:\n{gateway.Output}",
            interval: TimeSpan.FromMilliseconds(100),
            cancellationToken: TestContext.Current.CancellationToken);
}
