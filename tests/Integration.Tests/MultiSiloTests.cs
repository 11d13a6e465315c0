using System.Net;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// A real cluster on Azurite: a control silo and two node silos (two simulated nodes) as separate processes, and a
/// gateway. Killing a node silo makes its GPUs Unreachable without losing them; restarting it restores them.
/// </summary>
public sealed class MultiSiloTests
{
    [Fact]
    public async Task Node_silos_host_their_own_GPUs_and_a_killed_node_comes_back_with_its_state()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteServer.StartAsync(ct);
        var state = Directory.CreateTempSubdirectory("multi-silo-").FullName;
        await using var cluster = ClusterEnvironment.Create(new Dictionary<string, string>
        {
            ["GpuSharing:Storage"] = "azure",
            ["GpuSharing:Clustering"] = "azure",
            ["ConnectionStrings:AzureStorage"] = azurite.ConnectionString,
            ["GpuSharing:Silo:FastFailureDetection"] = "true",
        });

        await cluster.StartSiloAsync("control", Silo("control"));
        var nodeA = await cluster.StartSiloAsync("node-a", Node("node-a", "MI300X:2", state));
        var nodeBSettings = Node("node-b", "MI300X:1", state);
        var nodeB = await cluster.StartSiloAsync("node-b", nodeBSettings);
        await cluster.StartGatewayAsync(new Dictionary<string, string>());

        // Each node's GPUs are hosted by the silo that registered the node.
        var nodes = await cluster.WaitForAsync("/api/v1/nodes", n => n.AsArray().Count == 2, TimeSpan.FromSeconds(30));
        var a = nodes.AsArray().Single(n => Text(n!, "name") == "node-a")!;
        var b = nodes.AsArray().Single(n => Text(n!, "name") == "node-b")!;
        Assert.Equal(2, a["gpus"]!.AsArray().Count);
        Assert.Single(b["gpus"]!.AsArray());
        Assert.All(a["gpus"]!.AsArray(), g => Assert.Equal(Text(a, "silo"), Text(g!, "silo")));
        Assert.Equal(Text(b, "silo"), Text(b["gpus"]![0]!, "silo"));
        Assert.NotEqual(Text(a, "silo"), Text(b, "silo"));

        var put = await cluster.PutPartitioningAsync("node-b", 0, new { computeMode = "CPX" });
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        var operation = await cluster.WaitForOperationAsync("node-b", 0);
        Assert.Equal("Succeeded", Text(operation, "status"));
        var silo = Text(b, "silo");

        // kill -9: the silo dies without telling anyone.
        await nodeB.KillAsync();
        var down = await cluster.WaitForAsync("/api/v1/nodes/node-b", n => n["reachable"]!.GetValue<bool>() == false, TimeSpan.FromSeconds(60));
        var gpu = down["gpus"]![0]!;
        Assert.Equal(("Unreachable", "CPX", 8), (Text(gpu, "state"), Text(gpu, "computeMode"), gpu["partitions"]!.AsArray().Count));
        var other = await cluster.GetJsonAsync("/api/v1/nodes/node-a");
        Assert.True(other["reachable"]!.GetValue<bool>());
        Assert.All(other["gpus"]!.AsArray(), g => Assert.Equal("Ready", Text(g!, "state")));
        var refused = await cluster.PutPartitioningAsync("node-b", 0, new { computeMode = "SPX" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.False(nodeA.HasExited);

        // Restart: the GPU comes back from storage, in the layout the device kept.
        await cluster.StartSiloAsync("node-b-restarted", nodeBSettings);
        var up = await cluster.WaitForAsync(
            "/api/v1/nodes/node-b",
            n => n["reachable"]!.GetValue<bool>() && Text(n["gpus"]![0]!, "state") == "Ready" && Text(n["gpus"]![0]!, "silo") != silo,
            TimeSpan.FromSeconds(60));
        var back = up["gpus"]![0]!;
        Assert.Equal(("CPX", 8), (Text(back, "computeMode"), back["partitions"]!.AsArray().Count));
        Assert.Equal((Text(operation, "id"), "Succeeded"), (Text(back["operation"]!, "id"), Text(back["operation"]!, "status")));
        Assert.Null(back["stateReason"]);
    }

    private static Dictionary<string, string> Silo(string role) => new()
    {
        ["GpuSharing:Silo:Role"] = role,
        ["GpuSharing:Silo:SiloPort"] = $"{FreePorts.Next()}",
        ["GpuSharing:Silo:GatewayPort"] = $"{FreePorts.Next()}",
    };

    private static Dictionary<string, string> Node(string name, string gpus, string stateDirectory)
    {
        var settings = Silo("node");
        settings["GpuSharing:Node:Name"] = name;
        settings["GpuSharing:Node:Backend"] = "simulated";
        settings["GpuSharing:Node:SimulatedGpus"] = gpus;
        settings["GpuSharing:Node:SimulatedStateFile"] = Path.Combine(stateDirectory, $"{name}.json");
        return settings;
    }

    private static string Text(JsonNode node, string property) => node[property]?.GetValue<string>() ?? string.Empty;
}
