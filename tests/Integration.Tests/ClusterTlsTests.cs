using System.Net;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// Mutual TLS on the Orleans ports: a gateway with a certificate from the cluster's CA works; a client without TLS, or
/// with a certificate from another CA, never gets in (it cannot create or delete anything behind the gateway's back).
/// </summary>
public sealed class ClusterTlsTests
{
    [Fact]
    public async Task Only_a_client_with_a_certificate_from_the_cluster_CA_reaches_the_silos()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cluster = TestCertificates.Create("gpu-sharing-cluster-ca");
        using var rogue = TestCertificates.Create("someone-else-ca");
        await using var environment = ClusterEnvironment.Create(new Dictionary<string, string> { ["GpuSharing:Storage"] = "memory", ["GpuSharing:Clustering"] = "localhost" });
        var siloGatewayPort = FreePorts.Next();
        var silo = new Dictionary<string, string>(cluster.Settings)
        {
            ["GpuSharing:Silo:Role"] = "all",
            ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
            ["GpuSharing:Silo:GatewayPort"] = $"{siloGatewayPort}",
            ["GpuSharing:Node:Name"] = "node-1",
            ["GpuSharing:Node:Backend"] = "simulated",
            ["GpuSharing:Node:SimulatedGpus"] = "MI300X:1",
        };
        await environment.StartSiloAsync("silo", silo);
        var dial = new Dictionary<string, string> { ["GpuSharing:Gateway:SiloGatewayPorts:0"] = $"{siloGatewayPort}" };
        await environment.StartGatewayAsync(new Dictionary<string, string>(dial.Concat(cluster.Settings)));

        // Two more clients dial the same silo: one speaks plain TCP, one presents a certificate of another CA.
        var plain = ServiceProcess.Start("Gateway", "plain-gateway", FreePorts.Next(), Merge(environment.Common, dial));
        var impostor = ServiceProcess.Start("Gateway", "rogue-gateway", FreePorts.Next(), Merge(environment.Common, dial, rogue.Settings));
        await using (plain)
        await using (impostor)
        {
            var gpus = await environment.GetJsonAsync("/api/v1/gpus");
            Assert.Single(gpus.AsArray());
            var (plainReady, impostorReady) = (ReadyWithinAsync(plain, TimeSpan.FromSeconds(20), ct), ReadyWithinAsync(impostor, TimeSpan.FromSeconds(20), ct));
            Assert.False(await plainReady, $"a client without TLS got in:\n{plain.Output}");
            Assert.False(await impostorReady, $"a client with another CA's certificate got in:\n{impostor.Output}");
        }
    }

    private static async Task<bool> ReadyWithinAsync(ServiceProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/readyz", cancellationToken)).StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
    }

    private static Dictionary<string, string> Merge(params IEnumerable<KeyValuePair<string, string>>[] parts)
    {
        var merged = new Dictionary<string, string>();
        foreach (var (key, value) in parts.SelectMany(p => p))
        {
            merged[key] = value;
        }

        return merged;
    }
}
