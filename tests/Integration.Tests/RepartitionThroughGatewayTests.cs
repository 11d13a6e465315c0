using System.Net;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>Repartitioning end to end: HTTP → gateway process → silo process → FAKE amd-smi executable (real output formats) → re-read.</summary>
public sealed class RepartitionThroughGatewayTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public async Task The_gateway_lists_the_two_MI300X_the_fake_amd_smi_reports()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);

        var gpus = (await cluster.GetJsonAsync("/api/v1/gpus")).AsArray();
        var node = await cluster.GetJsonAsync("/api/v1/nodes/node-1");

        Assert.Equal(2, gpus.Count);
        Assert.All(gpus, g => Assert.Equal(("MI300X", "SPX", "NPS1", "Ready"), (Text(g!, "model"), Text(g!, "computeMode"), Text(g!, "memoryMode"), Text(g!, "state"))));
        Assert.All(gpus, g => Assert.Equal(196592 * MiB, g!["partitions"]![0]!["vramBytes"]!.GetValue<long>()));
        Assert.Equal(["0000:0c:00.0", "0000:22:00.0"], gpus.Select(g => Text(g!, "bdf")));
        Assert.Equal(("amd-smi", "26.0.0+fake", "7.0.0", "Linux Baremetal"), (Text(node, "backend"), Text(node, "toolVersion"), Text(node, "rocmVersion"), Text(node, "platform")));
        Assert.Equal("device", Text(gpus[0]!["capabilities"]!, "source").ToLowerInvariant());
    }

    [Fact]
    public async Task Without_root_the_GPUs_are_read_but_repartitioning_is_refused_up_front_and_nothing_is_set()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2", root: false);
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);

        var node = await cluster.GetJsonAsync("/api/v1/nodes/node-1");
        var response = await cluster.PutPartitioningAsync("node-1", 0, new { computeMode = "CPX", memoryMode = "NPS4" });
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.False(node["canSetPartitions"]!.GetValue<bool>());
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("without root", Text(problem, "detail"), StringComparison.Ordinal);
        Assert.DoesNotContain(device.Invocations, i => i.StartsWith("set", StringComparison.Ordinal));
        Assert.All((await cluster.GetJsonAsync("/api/v1/gpus")).AsArray(), g => Assert.Equal("Ready", Text(g!, "state")));
    }

    [Fact]
    public async Task SPX_NPS1_to_CPX_NPS4_gives_eight_partitions_verified_on_the_device()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);

        var response = await cluster.PutPartitioningAsync("node-1", 0, new { computeMode = "CPX", memoryMode = "NPS4" });
        var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var operation = await cluster.WaitForOperationAsync("node-1", 0);
        var gpu = await cluster.GetJsonAsync("/api/v1/gpus/node-1/0");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/v1/gpus/node-1/0/partitioning", response.Headers.Location?.ToString());
        Assert.Equal(("Node", "Running"), (Text(accepted, "scope"), Text(accepted, "status")));
        Assert.Equal("Succeeded", Text(operation, "status"));
        Assert.Equal(("CPX", "NPS4", "Ready"), (Text(gpu, "computeMode"), Text(gpu, "memoryMode"), Text(gpu, "state")));
        var partitions = gpu["partitions"]!.AsArray();
        Assert.Equal(8, partitions.Count);
        Assert.All(partitions, p => Assert.Equal(196592 * MiB / 8, p!["vramBytes"]!.GetValue<long>()));
        Assert.All(partitions, p => Assert.Equal("amd.com/cpx_nps4", Text(p!["binding"]!, "resourceName")));
        Assert.Equal(("NPS4", "CPX", "CPX"), (device.Memory, device.Compute(0), device.Compute(1)));
        Assert.Contains("set --memory-partition NPS4", device.Invocations);
        Assert.Contains("reset --reload-driver", device.Invocations);
    }

    [Fact]
    public async Task SPX_with_NPS4_is_422_with_the_devices_reason_and_changes_nothing()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);

        var response = await cluster.PutPartitioningAsync("node-1", 1, new { computeMode = "SPX", memoryMode = "NPS4" });
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:gpu-sharing:problem:invalid-combination", Text(problem, "type"));
        Assert.Equal("The device's SPX (#0) profile works only with NPS1, not with NPS4.", Text(problem, "detail"));
        Assert.Equal("device", Text(problem, "source"));
        Assert.DoesNotContain(device.Invocations, i => i.StartsWith("set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_BUSY_failure_midway_rolls_back_to_the_previous_verified_mode()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);
        device.AddFault("set-compute", status: "BUSY");

        // NPS4 is set and the driver reloaded (the driver moves both GPUs to CPX); setting QPX then fails with BUSY.
        var response = await cluster.PutPartitioningAsync("node-1", 0, new { computeMode = "QPX", memoryMode = "NPS4" });
        await cluster.WaitForOperationAsync("node-1", 0);
        var node = await cluster.GetJsonAsync("/api/v1/nodes/node-1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("RolledBack", Text(node["operation"]!, "status"));
        Assert.Equal(("Busy", 30), (Text(node["operation"]!["error"]!, "kind"), node["operation"]!["error"]!["statusCode"]!.GetValue<int>()));
        Assert.All(node["gpus"]!.AsArray(), g => Assert.Equal(("SPX", "NPS1", "Ready"), (Text(g!, "computeMode"), Text(g!, "memoryMode"), Text(g!, "state"))));
        Assert.Equal(("NPS1", "SPX", "SPX"), (device.Memory, device.Compute(0), device.Compute(1)));
        var sets = device.Invocations.Where(i => i.StartsWith("set", StringComparison.Ordinal)).ToList();
        Assert.Equal(["set --memory-partition NPS4", "set --gpu 0000:0c:00.0 --compute-partition QPX", "set --memory-partition NPS1"], sets.Take(3));
    }

    [Fact]
    public async Task A_timeout_leaves_the_GPU_Degraded_never_a_false_Ready()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:2");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device, new Dictionary<string, string> { ["GpuSharing:AmdSmi:ComputePartitionTimeout"] = "00:00:03" });
        device.AddFault("set-compute", hangSeconds: 60);

        var response = await cluster.PutPartitioningAsync("node-1", 1, new { computeMode = "DPX" });
        var operation = await cluster.WaitForOperationAsync("node-1", 1);
        var gpu = await cluster.GetJsonAsync("/api/v1/gpus/node-1/1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(("Degraded", "Timeout"), (Text(operation, "status"), Text(operation["error"]!, "kind")));
        Assert.Equal("Degraded", Text(gpu, "state"));
        Assert.DoesNotContain(operation["steps"]!.AsArray(), s => Text(s!, "state") == "Ready");
        Assert.All(gpu["partitions"]!.AsArray(), p => Assert.False(p!["acceptsReservations"]!.GetValue<bool>()));
        Assert.Contains("set --gpu 0000:22:00.0 --compute-partition DPX", device.Invocations);
        Assert.Equal("Ready", Text(await cluster.GetJsonAsync("/api/v1/gpus/node-1/0"), "state"));
    }

    private static string Text(JsonNode node, string property) => node[property]?.GetValue<string>() ?? string.Empty;
}
