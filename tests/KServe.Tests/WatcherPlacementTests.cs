using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;

namespace GpuSharing.KServe.Tests;

/// <summary>Opted-in InferenceServices get a partition, a bound predictor, annotations and Events; others are left alone.</summary>
public sealed class WatcherPlacementTests
{
    [Fact]
    public async Task A_high_priority_InferenceService_gets_an_exclusive_partition_and_its_predictor_is_bound_to_it()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();

        env.Create("team-a", "llama", "meta-llama/Llama-3.1-8B-Instruct", new Dictionary<string, string> { [SharingAnnotations.QosPriority] = "high", [SharingAnnotations.MaxModelLen] = "8192" });
        var placed = await env.WaitForAsync("team-a", "llama", s => KServeEnvironment.Status(s) == "Placed");

        // The write-back changed the spec (generation 2); the watcher hands that generation on, changing nothing else.
        await env.WaitUntilAsync(async () => (await env.Hardware.Model("team-a/llama").GetAsync())?.Generation == placed["metadata"]!["generation"]!.GetValue<long>(), "the deployment records the object's generation");
        var model = await env.Hardware.Model("team-a/llama").GetAsync();

        Assert.True(KServeEnvironment.HasFinalizer(placed));
        var predictor = placed["spec"]!["predictor"]!;
        var container = predictor["model"]!;
        Assert.Equal("node-a", predictor["nodeSelector"]![PredictorWriteBack.HostnameLabel]!.GetValue<string>());
        var limits = container["resources"]!["limits"]!.AsObject();
        Assert.Equal([("amd.com/qpx_nps1", "1")], limits.Select(l => (l.Key, l.Value!.GetValue<string>())));
        Assert.Equal("gpu-sharing-vllm-rocm", container["runtime"]!.GetValue<string>());
        Assert.Equal("docker.io/rocm/vllm:latest", container["image"]!.GetValue<string>());
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains("--served-model-name=llama", args);
        Assert.DoesNotContain(args, a => a.StartsWith("--model_name", StringComparison.Ordinal));
        Assert.Contains("--max-model-len=8192", args);
        Assert.Contains("--tensor-parallel-size=1", args);
        var utilization = args.Single(a => a.StartsWith("--gpu-memory-utilization=", StringComparison.Ordinal));
        Assert.Equal(["amd.com/qpx_nps1"], JsonSerializer.Deserialize<string[]>(KServeEnvironment.Annotation(placed, SharingAnnotations.KServeGpuResourceTypes)!)!);
        Assert.Null(KServeEnvironment.Annotation(placed, SharingAnnotations.KServeStop));

        var record = JsonNode.Parse(KServeEnvironment.Annotation(placed, SharingAnnotations.Placement)!)!;
        Assert.Equal(("exclusive", "high", "node-a", "QPX"), (record["isolation"]!.GetValue<string>(), record["priority"]!.GetValue<string>(), record["replicas"]![0]!["node"]!.GetValue<string>(), record["replicas"]![0]!["computeMode"]!.GetValue<string>()));
        Assert.Contains(utilization, record["vllmArgs"]!.AsArray().Select(a => a!.GetValue<string>()));

        Assert.Equal((ModelStatus.Placed, SharingAnnotations.ManagedBy), (model!.Status, model.Spec.ManagedBy));
        Assert.Equal(2, model.Generation);
        var reasons = env.Events("team-a", "llama").Select(e => (e.Type, e.Reason)).ToList();
        Assert.Equal(("Normal", "Pending"), reasons[0]);
        Assert.Equal(("Normal", "Placed"), reasons[^1]);
    }

    [Fact]
    public async Task The_status_address_of_a_placed_InferenceService_that_KServe_reports_ready_becomes_its_endpoint()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("team-e", "chat", "Qwen/Qwen2.5-7B-Instruct", new Dictionary<string, string> { [SharingAnnotations.QosPriority] = "high" });
        env.Create("team-e", "slow", "Qwen/Qwen2.5-0.5B-Instruct");
        await env.WaitForAsync("team-e", "chat", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitForAsync("team-e", "slow", s => KServeEnvironment.Status(s) == "Placed");

        // KServe's controller (absent here) would write these: an address for both, Ready for one of them only.
        foreach (var (name, ready) in new[] { ("chat", "True"), ("slow", "False") })
        {
            env.Store.Patch(FakeResourceType.InferenceServices, "team-e", name, o =>
            {
                o["status"] = new JsonObject
                {
                    ["address"] = new JsonObject { ["url"] = $"http://{name}-predictor.team-e.svc.cluster.local" },
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready }),
                };
                return o;
            });
        }

        var directory = env.Hardware.Client.GetGrain<IEndpointDirectoryGrain>(Pools.Default);
        await env.WaitUntilAsync(async () => (await directory.ListAsync(TestContext.Current.CancellationToken)).Endpoints.Any(e => e.Source == KServeEndpoints.Reporter), "the watcher reports the ready InferenceService's address");
        var endpoints = (await directory.ListAsync(TestContext.Current.CancellationToken)).Endpoints.Where(e => e.Source == KServeEndpoints.Reporter).ToList();

        var endpoint = Assert.Single(endpoints);
        Assert.Equal(("team-e/chat", "http://chat-predictor.team-e.svc.cluster.local", "chat", Priority.High), (endpoint.Deployment, endpoint.Url, endpoint.ServedModel, endpoint.Priority));
        Assert.True(endpoint.MaxNumSeqs > 1, $"the placement's sequence limit, not {endpoint.MaxNumSeqs}");
    }

    [Fact]
    public async Task A_shared_InferenceService_is_bound_through_a_ResourceClaim_on_its_partition()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();

        env.Create("team-b", "qwen", "Qwen/Qwen2.5-7B-Instruct", new Dictionary<string, string> { [SharingAnnotations.Precision] = "fp8" });
        var placed = await env.WaitForAsync("team-b", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        var model = await env.Hardware.Model("team-b/qwen").GetAsync();
        var placement = Assert.Single(model!.Placements);
        var claimName = SharedPartitionClaims.ClaimName("node-a", placement.Gpu, placement.FirstPartition);
        var claim = env.Store.Get(FakeResourceType.ResourceClaims, "team-b", claimName);

        var predictor = placed["spec"]!["predictor"]!;
        Assert.Equal(claimName, predictor["resourceClaims"]![0]!["resourceClaimName"]!.GetValue<string>());
        Assert.Equal(PredictorWriteBack.ClaimReference, predictor["model"]!["resources"]!["claims"]![0]!["name"]!.GetValue<string>());
        Assert.Null(predictor["model"]!["resources"]!["limits"]);
        var request = claim["spec"]!["devices"]!["requests"]![0]!["exactly"]!;
        Assert.Equal("gpu.amd.com", request["deviceClassName"]!.GetValue<string>());
        Assert.Contains($"pciAddr == \"{placement.Devices[0].Bdf}\"", request["selectors"]![0]!["cel"]!["expression"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("--quantization=fp8", predictor["model"]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task Objects_without_the_opt_in_are_left_untouched()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        var before = env.Create("team-a", "plain", "Qwen/Qwen2.5-0.5B", optIn: false);
        env.Create("team-a", "opted", "Qwen/Qwen2.5-0.5B");

        await env.WaitForAsync("team-a", "opted", s => KServeEnvironment.Status(s) == "Placed");
        var after = env.Find("team-a", "plain")!;

        Assert.True(JsonNode.DeepEquals(before, after));
        Assert.Null(await env.Hardware.Model("team-a/plain").GetAsync());
        Assert.Empty(env.Events("team-a", "plain"));
    }

    [Fact]
    public async Task The_watcher_own_write_back_places_nothing_again_and_a_resync_writes_nothing()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var watcher = await env.StartWatcherAsync(settings: new Dictionary<string, string?> { ["GpuSharing:KServe:ResyncPeriod"] = "00:00:01" });
        env.Create("team-a", "qwen", "Qwen/Qwen2.5-0.5B");
        var placed = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitForResyncsAsync(watcher, 1); // the write-back's own watch event has been reconciled
        var writes = env.Api.Writes("inferenceservices");
        var version = env.Find("team-a", "qwen")!["metadata"]!["resourceVersion"]!.GetValue<string>();

        await env.WaitForResyncsAsync(watcher, 2);
        var model = await env.Hardware.Model("team-a/qwen").GetAsync();
        var reservation = (await env.Hardware.Partition("node-a", model!.Placements[0].Gpu, model.Placements[0].FirstPartition).GetAsync()).Reservations.Single();

        Assert.Equal(writes, env.Api.Writes("inferenceservices"));
        Assert.Equal(version, env.Find("team-a", "qwen")!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.True(placed["metadata"]!["generation"]!.GetValue<long>() >= 2); // the write-back changed the spec once
        Assert.Equal(1, reservation.Revision); // … and was never taken for a new spec
        Assert.Equal(ModelStatus.Placed, model.Status);
    }
}
