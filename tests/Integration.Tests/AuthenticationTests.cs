using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace GpuSharing.Integration.Tests;

/// <summary>Outside the local default, mutating routes and the dashboard need the configured bearer token.</summary>
public sealed class AuthenticationTests
{
    private const string Token = "s3cret-token-for-tests";

    [Fact]
    public async Task With_a_token_configured_mutations_and_the_dashboard_require_it_and_reads_do_not()
    {
        using var device = new FakeAmdSmiDevice();
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device, gatewaySettings: new Dictionary<string, string> { ["GpuSharing:Gateway:BearerToken"] = Token });
        var ct = TestContext.Current.CancellationToken;

        var anonymousPut = await cluster.PutPartitioningAsync("node-1", 0, new { computeMode = "SPX" });
        var wrongToken = await SendAsync(cluster, HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning", "wrong", JsonContent.Create(new { computeMode = "SPX" }));
        var anonymousDashboard = await cluster.Http.GetAsync("/dashboard/", ct);
        var read = await cluster.Http.GetAsync("/api/v1/gpus", ct);
        var authorizedDashboard = await SendAsync(cluster, HttpMethod.Get, "/dashboard/", Token, null);
        var authorizedPut = await SendAsync(cluster, HttpMethod.Put, "/api/v1/gpus/node-1/0/partitioning", Token, JsonContent.Create(new { computeMode = "DPX" }));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPut.StatusCode);
        Assert.Equal("application/problem+json", anonymousPut.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", anonymousPut.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousDashboard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorizedDashboard.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, authorizedPut.StatusCode);
    }

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

    private static async Task<HttpResponseMessage> SendAsync(ClusterEnvironment cluster, HttpMethod method, string path, string token, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await cluster.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
