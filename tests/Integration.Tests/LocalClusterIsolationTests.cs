namespace GpuSharing.Integration.Tests;

/// <summary>Two local clusters side by side: a gateway talks to the silos it was told about, and to no other.</summary>
public sealed class LocalClusterIsolationTests
{
    private const int DefaultSiloGatewayPort = 30000;

    [Fact]
    public async Task A_gateway_given_one_silo_gateway_port_never_dials_the_default_port_where_another_cluster_answers()
    {
        // Both clusters have the same cluster id (the local default), so a gateway that dialled both would mix them.
        var common = new Dictionary<string, string>
        {
            ["GpuSharing:Storage"] = "memory",
            ["GpuSharing:Clustering"] = "localhost",
            ["GpuSharing:Node:Backend"] = "simulated",
            ["GpuSharing:Node:SimulatedGpus"] = "MI300X:1",
        };
        await using var first = ClusterEnvironment.Create(common, clusterId: "side-by-side");
        await using var second = ClusterEnvironment.Create(common, clusterId: "side-by-side");

        // The first cluster sits on the default Orleans gateway port, where `./run.sh` puts its silo (when the port is
        // free; when something else holds it, that something is the other cluster this gateway must not reach).
        if (FreePorts.IsFree(DefaultSiloGatewayPort))
        {
            await first.StartSiloAsync("cluster-a", new Dictionary<string, string>
            {
                ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
                ["GpuSharing:Silo:GatewayPort"] = $"{DefaultSiloGatewayPort}",
                ["GpuSharing:Node:Name"] = "cluster-a-node",
            });
        }

        var secondGatewayPort = FreePorts.Next();
        var secondSilo = await second.StartSiloAsync("cluster-b", new Dictionary<string, string>
        {
            ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
            ["GpuSharing:Silo:GatewayPort"] = $"{secondGatewayPort}",
            ["GpuSharing:Node:Name"] = "cluster-b-node",
        });
        await second.StartGatewayAsync(new Dictionary<string, string> { ["GpuSharing:Gateway:SiloGatewayPorts:0"] = $"{secondGatewayPort}" });

        var nodes = await second.GetJsonAsync("/api/v1/nodes");
        Assert.Equal(["cluster-b-node"], nodes.AsArray().Select(n => n!["name"]!.GetValue<string>()));

        // A client sends everything through one of the gateways it dialled and fails over to another when that one
        // goes: with its own cluster's silo gone, a gateway that also dialled the default port would now answer with
        // the other cluster's node. It must answer that its cluster is unavailable instead.
        await secondSilo.KillAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var answers = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            using var response = await second.Http.GetAsync("/api/v1/nodes", TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            answers.Add($"{(int)response.StatusCode}");
            Assert.DoesNotContain("cluster-a-node", body, StringComparison.Ordinal);
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.All(answers, a => Assert.StartsWith("5", a, StringComparison.Ordinal));
    }
}
