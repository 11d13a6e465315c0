using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GpuSharing.Integration.Tests;

/// <summary>
/// Model deployments end to end: HTTP → gateway process → silo process → placement → repartition through the FAKE
/// amd-smi executable → reservations and bindings. The README's worked example is the first test.
/// </summary>
public sealed class ModelPlacementThroughGatewayTests
{
    [Fact]
    public async Task Five_models_on_one_MI300X_are_packed_into_partitions_and_the_one_that_does_not_fit_says_why()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:1");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);

        var llama = await PutAsync(cluster, "prod/llama-8b", new { model = "llama-3.1-8b", priority = "high" });
        await cluster.WaitForAsync("/api/v1/models/prod/llama-8b", m => Text(m, "status") == "Placed", TimeSpan.FromSeconds(60));
        var qwen = await PutAsync(cluster, "team-a/qwen-7b", new { model = "qwen2.5-7b", precision = "fp8" });
        var phi = await PutAsync(cluster, "team-a/phi-3", new { model = "phi-3-mini" });
        var small = await PutAsync(cluster, "team-b/qwen-small", new { model = "qwen2.5-0.5b", priority = "low" });
        var big = await PutAsync(cluster, "team-b/llama-70b", new { model = "llama-3.1-70b", precision = "fp8" });
        var models = (await cluster.GetJsonAsync("/api/v1/models")).AsArray();
        var gpu = await cluster.GetJsonAsync("/api/v1/gpus/node-1/0");

        // The high-priority deployment asked for the GPU to be split, and got a partition of its own.
        Assert.Equal("Pending", Text(llama, "status"));
        Assert.Equal(("QPX", "NPS1"), (Text(gpu, "computeMode"), Text(gpu, "memoryMode")));
        Assert.Contains(device.Invocations, i => i.StartsWith("set", StringComparison.Ordinal) && i.Contains("QPX", StringComparison.Ordinal));
        var placed = models.Where(m => Text(m!, "status") == "Placed").Select(m => $"{Text(m!, "namespace")}/{Text(m!, "name")}").ToList();
        Assert.Equal(["prod/llama-8b", "team-a/phi-3", "team-a/qwen-7b", "team-b/qwen-small"], placed);
        Assert.All([qwen, phi, small], m => Assert.Equal("Placed", Text(m, "status")));
        var llamaPartition = await cluster.GetJsonAsync("/api/v1/models/prod/llama-8b");
        var exclusive = llamaPartition["placements"]![0]!["partition"]!.GetValue<int>();
        var partitions = gpu["partitions"]!.AsArray();
        Assert.Equal(["prod/llama-8b"], Holders(partitions[exclusive]!));
        Assert.All(partitions, p => Assert.True(p!["reservedBytes"]!.GetValue<long>() <= p["vramBytes"]!.GetValue<long>()));
        Assert.Equal(4, partitions.SelectMany(Holders).Distinct().Count());

        // The binding holds each replica to its share: the vLLM memory fraction is at most what was reserved.
        foreach (var model in new[] { qwen, phi, small })
        {
            var placement = model["placements"]![0]!;
            var arguments = model["binding"]!["vllmArguments"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            var utilization = double.Parse(arguments[arguments.IndexOf("--gpu-memory-utilization") + 1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(utilization, 0.01, placement["reservedBytes"]!.GetValue<double>() / gpu["partitions"]![placement["partition"]!.GetValue<int>()]!["vramBytes"]!.GetValue<double>());
            Assert.Equal(placement["partition"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture), model["binding"]!["environment"]!["HIP_VISIBLE_DEVICES"]!.GetValue<string>());
        }

        // The 70B does not fit in what is left, and says why for the one GPU.
        Assert.Equal("Pending", Text(big, "status"));
        Assert.Empty(big["placements"]!.AsArray());
        var explanation = big["explanation"]!;
        Assert.Equal(1, explanation["gpusConsidered"]!.GetValue<int>());
        Assert.False(explanation["fitsNoGpu"]!.GetValue<bool>());
        var rejection = Assert.Single(explanation["gpus"]!.AsArray())!;
        Assert.Equal(("node-1", 0), (Text(rejection, "node"), rejection["gpu"]!.GetValue<int>()));
        Assert.False(string.IsNullOrWhiteSpace(Text(rejection, "detail")));
        Assert.Contains(Text(rejection, "reason"), new[] { "Mode", "Memory" });
    }

    [Fact]
    public async Task Five_deployments_applied_in_an_unlucky_order_converge_to_what_the_plan_places_on_one_GPU()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:1");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);
        (string Name, object Spec)[] unlucky =
        [
            ("team-b/qwen-05b", new { model = "qwen2.5-0.5b", priority = "low" }),
            ("team-a/qwen-15b", new { model = "qwen2.5-1.5b", priority = "medium" }),
            ("prod/llama-8b", new { model = "llama-3.1-8b", precision = "fp8", priority = "high" }),
            ("team-a/qwen-7b", new { model = "qwen2.5-7b", priority = "medium" }),
            ("team-b/mistral", new { model = "mistral-7b", precision = "int4", priority = "low" }),
        ];

        foreach (var (name, spec) in unlucky)
        {
            await PutAsync(cluster, name, spec);
        }

        var plan = JsonNode.Parse(await (await cluster.Http.PostAsJsonAsync(
            "/api/v1/plan",
            new
            {
                deployments = unlucky.Select(d => Merge(d.Name, d.Spec)).ToArray(),
                fleet = new[] { new { model = "MI300X", count = 1 } },
            },
            TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var models = await cluster.WaitForAsync(
            "/api/v1/models",
            m => m.AsArray().Count == 5 && m.AsArray().All(d => Text(d!, "status") == "Placed"),
            TimeSpan.FromSeconds(90));
        var gpu = await cluster.GetJsonAsync("/api/v1/gpus/node-1/0");

        // The plan places all five on the one GPU; so does the live system, in QPX, the high replica alone on its partition.
        Assert.All(plan["deployments"]!.AsArray(), d => Assert.Single(d!["placements"]!.AsArray()));
        Assert.Equal(1, plan["gpusUsed"]!.GetValue<int>());
        Assert.All(models.AsArray(), m => Assert.Single(m!["placements"]!.AsArray()));
        Assert.Equal("QPX", Text(gpu, "computeMode"));
        var high = (await cluster.GetJsonAsync("/api/v1/models/prod/llama-8b"))["placements"]![0]!["partition"]!.GetValue<int>();
        Assert.Equal(["prod/llama-8b"], Holders(gpu["partitions"]![high]));
        Assert.Equal(5, gpu["partitions"]!.AsArray().SelectMany(Holders).Distinct().Count());
    }

    [Fact]
    public async Task Deleting_a_deployment_releases_its_partitions_and_lets_the_waiting_one_in()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:1");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);
        await PutAsync(cluster, "team-a/big", new { model = "qwen2.5-72b", maxModelLen = 4096, maxNumSeqs = 4 });
        var waiting = await PutAsync(cluster, "team-b/mid", new { model = "qwen2.5-32b" });

        var deleted = await cluster.Http.DeleteAsync("/api/v1/models/team-a/big", TestContext.Current.CancellationToken);
        var mid = await cluster.WaitForAsync("/api/v1/models/team-b/mid", m => Text(m, "status") == "Placed", TimeSpan.FromSeconds(30));
        var gone = await cluster.Http.GetAsync("/api/v1/models/team-a/big", TestContext.Current.CancellationToken);
        var gpu = await cluster.GetJsonAsync("/api/v1/gpus/node-1/0");

        Assert.Equal("Pending", Text(waiting, "status"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(["team-b/mid"], gpu["partitions"]!.AsArray().SelectMany(Holders).Distinct());
        Assert.Equal(["team-b/mid"], (await cluster.GetJsonAsync("/api/v1/models")).AsArray().Select(m => $"{Text(m!, "namespace")}/{Text(m!, "name")}"));
        Assert.Single(mid["placements"]!.AsArray());
    }

    [Fact]
    public async Task A_plan_on_a_hypothetical_fleet_changes_nothing_and_reports_the_bound_it_is_measured_against()
    {
        using var device = new FakeAmdSmiDevice("7.0.0", "MI300X:1");
        await using var cluster = await ClusterEnvironment.StartWithFakeAmdSmiAsync(device);
        var deployments = Enumerable.Range(0, 40).Select(i => new { @namespace = "what-if", name = $"m{i}", model = i % 2 == 0 ? "qwen2.5-7b" : "llama-3.1-8b", precision = "fp8" }).ToArray();

        var response = await cluster.Http.PostAsJsonAsync("/api/v1/plan", new { deployments, fleet = new[] { new { model = "MI300X", count = 40 } } }, TestContext.Current.CancellationToken);
        var plan = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var models = (await cluster.GetJsonAsync("/api/v1/models")).AsArray();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(plan["hypotheticalFleet"]!.GetValue<bool>());
        Assert.Equal(40, plan["gpuCount"]!.GetValue<int>());
        var used = plan["gpusUsed"]!.GetValue<int>();
        var bound = plan["lowerBound"]!["value"]!.GetValue<int>();
        Assert.InRange(used, bound, bound + 2);
        Assert.All(plan["deployments"]!.AsArray(), d => Assert.Single(d!["placements"]!.AsArray()));
        Assert.Empty(models);
        Assert.DoesNotContain(device.Invocations, i => i.StartsWith("set", StringComparison.Ordinal));
    }

    private static async Task<JsonNode> PutAsync(ClusterEnvironment cluster, string deployment, object spec)
    {
        var response = await cluster.Http.PutAsJsonAsync($"/api/v1/models/{deployment}", spec, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT {deployment} → {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static JsonObject Merge(string deployment, object spec)
    {
        var item = JsonSerializer.SerializeToNode(spec)!.AsObject();
        item["namespace"] = deployment.Split('/')[0];
        item["name"] = deployment.Split('/')[1];
        return item;
    }

    private static IEnumerable<string> Holders(JsonNode? partition) =>
        partition!["reservations"]!.AsArray().Select(r => Text(r!, "deployment"));

    private static string Text(JsonNode node, string property) => node[property]!.GetValue<string>();
}
