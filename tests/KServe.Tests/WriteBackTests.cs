using System.Text.Json.Nodes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;
using k8s;

namespace GpuSharing.KServe.Tests;

/// <summary>The pure parts of the watcher: reading annotations and model ids, memory sizes, merge patches, the predictor write-back.</summary>
public sealed class WriteBackTests
{
    [Theory]
    [InlineData("40GB", 40_000_000_000L)]
    [InlineData("40G", 40_000_000_000L)]
    [InlineData("40Gi", 42_949_672_960L)]
    [InlineData("40GiB", 42_949_672_960L)]
    [InlineData("1.5Ti", 1_649_267_441_664L)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("42949672960", 42_949_672_960L)]
    [InlineData(" 24gb ", 24_000_000_000L)]
    public void Memory_sizes_read_in_SI_and_binary_units(string text, long bytes) =>
        Assert.Equal(bytes, InferenceServiceReader.ParseMemory(text));

    [Theory]
    [InlineData("lots")]
    [InlineData("-1GB")]
    [InlineData("40XB")]
    [InlineData("0")]
    [InlineData("17Ti")]
    [InlineData("")]
    public void Bad_memory_sizes_are_refused(string text) => Assert.Null(InferenceServiceReader.ParseMemory(text));

    [Theory]
    [InlineData("hf://meta-llama/Llama-3.1-8B-Instruct", null, "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("hf://Qwen/Qwen2.5-7B/main", null, "Qwen/Qwen2.5-7B")]
    [InlineData("s3://bucket/models/meta-llama--Meta-Llama-3.1-8B-Instruct", null, "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    [InlineData("pvc://cache/models--Qwen--Qwen2.5-0.5B/", null, "Qwen/Qwen2.5-0.5B")]
    [InlineData(null, "--model_id=microsoft/Phi-3-mini-4k-instruct", "microsoft/Phi-3-mini-4k-instruct")]
    [InlineData(null, "--model=/mnt/models", null)]
    public void The_model_comes_from_the_storage_uri_or_the_arguments(string? storageUri, string? argument, string? expected)
    {
        var model = new JsonObject { ["modelFormat"] = new JsonObject { ["name"] = "huggingface" } };
        if (storageUri is not null)
        {
            model["storageUri"] = storageUri;
        }

        if (argument is not null)
        {
            model["args"] = new JsonArray(argument);
        }

        var read = InferenceServiceReader.Read(Service(model, new Dictionary<string, string> { [SharingAnnotations.GpuSharing] = "enabled" }));

        Assert.Equal(expected, read.Spec?.Model);
        Assert.Equal(expected is null, read.Errors.Count > 0);
    }

    [Fact]
    public void Several_replicas_default_to_exclusive_and_shared_with_several_is_refused()
    {
        var model = new JsonObject { ["storageUri"] = "hf://Qwen/Qwen2.5-7B" };
        var replicated = Service(model, new Dictionary<string, string>(), maxReplicas: 3);
        var shared = Service((JsonObject)model.DeepClone(), new Dictionary<string, string> { [SharingAnnotations.Isolation] = "shared" }, maxReplicas: 3);

        var read = InferenceServiceReader.Read(replicated);
        var spec = read.Spec!;
        var refused = InferenceServiceReader.Read(shared);

        // Up to three replicas (an autoscaler's bounds: one reserved up front) are exclusive from the first.
        Assert.Equal((1, Isolation.Exclusive, SharingAnnotations.ManagedBy, new ReplicaBounds(1, 3)), (spec.Replicas, spec.EffectiveIsolation, spec.ManagedBy, read.Bounds));
        Assert.Null(refused.Spec);
        Assert.Contains("one pod template", Assert.Single(refused.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_merge_patch_carries_changes_removals_and_whole_arrays_and_is_empty_for_no_change()
    {
        var current = JsonNode.Parse("""{"a":1,"b":{"c":2,"d":3},"e":[1,2],"f":"x"}""")!.AsObject();
        var desired = JsonNode.Parse("""{"a":1,"b":{"c":5},"e":[1,2,3],"g":true}""")!.AsObject();

        var patch = MergePatch.Diff(current, desired);

        Assert.Equal("""{"b":{"c":5,"d":null},"e":[1,2,3],"g":true,"f":null}""", patch!.ToJsonString());
        Assert.Null(MergePatch.Diff(current, (JsonObject)current.DeepClone()));
    }

    [Fact]
    public void The_write_back_replaces_GPU_resources_and_managed_flags_and_keeps_the_owner_rest()
    {
        var model = JsonNode.Parse("""
            {"modelFormat":{"name":"huggingface"},"runtime":"my-runtime","image":"my/image:1",
             "args":["--enforce-eager","--max-model-len","1024","--gpu-memory-utilization=0.95","--trust-remote-code"],
             "resources":{"limits":{"cpu":"8","nvidia.com/gpu":"1","amd.com/gpu":"1"},"requests":{"memory":"24Gi","nvidia.com/gpu":"1"}}}
            """)!.AsObject();
        var service = Service(model, new Dictionary<string, string> { [SharingAnnotations.GpuSharing] = "enabled" }, nodeSelector: new JsonObject { ["pool"] = "gpu" });
        var binding = new PredictorBinding(["node-a"], "amd.com/cpx_nps4", 2, null, ["--max-model-len=8192", "--gpu-memory-utilization=0.821", "--tensor-parallel-size=2"], new Dictionary<string, string>());

        var patch = PredictorWriteBack.Patch(service, new WriteBack("Placed", "{}", HoldFinalizer: true, Stop: false, binding), new KServeOptions())!;
        var applied = Fakes.Kubernetes.JsonPatches.ApplyMerge((JsonObject)JsonNode.Parse(KubernetesJson.Serialize(service))!, patch);
        var predictor = applied["spec"]!["predictor"]!;
        var container = predictor["model"]!;

        Assert.Equal(["--enforce-eager", "--trust-remote-code", "--max-model-len=8192", "--gpu-memory-utilization=0.821", "--tensor-parallel-size=2"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("""{"cpu":"8","amd.com/cpx_nps4":"2"}""", container["resources"]!["limits"]!.ToJsonString());
        Assert.Equal("""{"memory":"24Gi","amd.com/cpx_nps4":"2"}""", container["resources"]!["requests"]!.ToJsonString());
        Assert.Equal(("my-runtime", "my/image:1"), (container["runtime"]!.GetValue<string>(), container["image"]!.GetValue<string>()));
        Assert.Equal("""{"pool":"gpu","kubernetes.io/hostname":"node-a"}""", predictor["nodeSelector"]!.ToJsonString());
        Assert.Equal([SharingAnnotations.Finalizer], applied["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(service.Metadata.ResourceVersion, patch["metadata"]!["resourceVersion"]!.GetValue<string>());

        // The same write-back on the result: nothing to write.
        var again = KubernetesJson.Deserialize<InferenceService>(applied.ToJsonString());
        Assert.Null(PredictorWriteBack.Patch(again, new WriteBack("Placed", "{}", HoldFinalizer: true, Stop: false, binding), new KServeOptions()));
    }

    [Fact]
    public void Replicas_on_several_nodes_get_a_node_affinity_instead_of_a_hostname_selector()
    {
        var service = Service(new JsonObject { ["storageUri"] = "hf://Qwen/Qwen2.5-7B" }, [], nodeSelector: new JsonObject { [PredictorWriteBack.HostnameLabel] = "old-node" });
        var binding = new PredictorBinding(["node-a", "node-b"], "amd.com/spx_nps1", 1, null, [], new Dictionary<string, string>());

        var patch = PredictorWriteBack.Patch(service, new WriteBack("Placed", null, true, false, binding), new KServeOptions())!;
        var predictor = patch["spec"]!["predictor"]!;

        Assert.Null(predictor["nodeSelector"]); // removed: it held only the hostname
        Assert.True(predictor.AsObject().ContainsKey("nodeSelector"));
        var expression = predictor["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!;
        Assert.Equal(("In", "node-a,node-b"), (expression["operator"]!.GetValue<string>(), string.Join(',', expression["values"]!.AsArray().Select(v => v!.GetValue<string>()))));
    }

    [Fact]
    public void Only_a_stop_the_watcher_set_is_lifted()
    {
        var ownersStop = Service(new JsonObject { ["storageUri"] = "hf://Qwen/Qwen2.5-7B" }, new Dictionary<string, string> { [SharingAnnotations.KServeStop] = "true" });
        var ours = Service(new JsonObject { ["storageUri"] = "hf://Qwen/Qwen2.5-7B" }, new Dictionary<string, string> { [SharingAnnotations.KServeStop] = "true", [SharingAnnotations.StoppedByWatcher] = "true" });
        var placed = new WriteBack("Placed", null, true, Stop: false, null);

        var keep = PredictorWriteBack.Patch(ownersStop, placed, new KServeOptions())!;
        var lift = PredictorWriteBack.Patch(ours, placed, new KServeOptions())!;

        Assert.False(keep["metadata"]!["annotations"]!.AsObject().ContainsKey(SharingAnnotations.KServeStop));
        Assert.True(lift["metadata"]!["annotations"]!.AsObject().ContainsKey(SharingAnnotations.KServeStop));
        Assert.Null(lift["metadata"]!["annotations"]![SharingAnnotations.KServeStop]);
    }

    private static InferenceService Service(JsonObject model, Dictionary<string, string> annotations, int? maxReplicas = null, JsonObject? nodeSelector = null)
    {
        var predictor = new JsonObject { ["model"] = model };
        if (maxReplicas is { } max)
        {
            predictor["maxReplicas"] = max;
        }

        if (nodeSelector is not null)
        {
            predictor["nodeSelector"] = nodeSelector;
        }

        return new InferenceService
        {
            Metadata = new() { Name = "svc", NamespaceProperty = "team-a", ResourceVersion = "42", Generation = 1, Annotations = annotations },
            Spec = new JsonObject { ["predictor"] = predictor },
        };
    }
}
