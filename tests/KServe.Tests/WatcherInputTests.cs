using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// Every annotation path: good values reach the deployment spec; a bad one gives a Warning Event and an
/// <c>Invalid: …</c> status, reserves nothing, and the watcher goes on with the other objects. KServe's own examples
/// (the fixtures) are accepted.
/// </summary>
public sealed class WatcherInputTests(SharedWatcherEnvironment shared) : IClassFixture<SharedWatcherEnvironment>
{
    public static TheoryData<string, string, string> BadAnnotations => new()
    {
        { SharingAnnotations.MemoryLimit, "lots", "memory-limit" },
        { SharingAnnotations.MemoryLimit, "-40GB", "memory-limit" },
        { SharingAnnotations.MemoryLimit, "40XB", "memory-limit" },
        { SharingAnnotations.MemoryLimit, "1Gi", "memory limit of 1.0 GiB" },
        { SharingAnnotations.QosPriority, "urgent", "qos-priority" },
        { SharingAnnotations.QosPriority, "HIGH", "qos-priority" },
        { SharingAnnotations.Precision, "fp6", "precision" },
        { SharingAnnotations.MaxModelLen, "-1", "max-model-len" },
        { SharingAnnotations.MaxModelLen, "4k", "max-model-len" },
        { SharingAnnotations.MaxModelLen, "1000000", "exceeds the context" },
        { SharingAnnotations.MaxNumSeqs, "0", "max-num-seqs" },
        { SharingAnnotations.SloTtftMs, "0", "slo-ttft-ms" },
        { SharingAnnotations.SloTpotMs, "fast", "slo-tpot-ms" },
        { SharingAnnotations.PartitionId, "0", "partition-id" },
        { SharingAnnotations.PartitionId, "node-a/99", "partition-id" },
        { SharingAnnotations.PartitionId, "Node_A/0", "partition-id" },
        { SharingAnnotations.Isolation, "private", "isolation" },
        { SharingAnnotations.Model, "acme/unknown-13b", "not in the model catalog" },
        { SharingAnnotations.Model, "--trust-remote-code", "is not a Hugging Face id" },
        { SharingAnnotations.Model, "Qwen/Qwen2.5-7B --served-model-name x", "control characters or spaces" },
        { SharingAnnotations.Model, "/etc/passwd", "Local model paths are not allowed" },
    };

    [Theory]
    [MemberData(nameof(BadAnnotations))]
    public async Task A_bad_annotation_is_reported_on_the_object_and_reserves_nothing(string annotation, string value, string expected)
    {
        // One watcher and cluster for every case (they start in seconds, the cases take milliseconds); each case in a
        // namespace of its own.
        var env = shared.Environment;
        var ns = shared.NextNamespace();

        env.Create(ns, "bad", "Qwen/Qwen2.5-0.5B", new Dictionary<string, string> { [annotation] = value });
        env.Create(ns, "good", "Qwen/Qwen2.5-0.5B");
        var bad = await env.WaitForAsync(ns, "bad", s => KServeEnvironment.Status(s)?.StartsWith("Invalid:", StringComparison.Ordinal) == true);
        await env.WaitForAsync(ns, "good", s => KServeEnvironment.Status(s) == "Placed");

        Assert.Contains(expected, KServeEnvironment.Status(bad), StringComparison.Ordinal);
        var warning = Assert.Single(env.Events(ns, "bad"));
        Assert.Equal(("Warning", "Invalid"), (warning.Type, warning.Reason));
        Assert.Contains(expected, warning.Message, StringComparison.Ordinal);
        Assert.False(KServeEnvironment.HasFinalizer(bad));
        Assert.Null(await env.Hardware.Model($"{ns}/bad").GetAsync());
    }

    [Fact]
    public async Task An_invalid_object_is_written_once_and_left_alone_until_it_changes()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var watcher = await env.StartWatcherAsync(settings: new Dictionary<string, string?> { ["GpuSharing:KServe:ResyncPeriod"] = "00:00:01" });
        env.Create("team-a", "unknown", "acme/unknown-13b");
        await env.WaitForAsync("team-a", "unknown", s => KServeEnvironment.Status(s)?.StartsWith("Invalid:", StringComparison.Ordinal) == true);
        var writes = env.Api.Writes("inferenceservices");

        await env.WaitForResyncsAsync(watcher, 2);

        Assert.Equal(1, writes);
        Assert.Equal(writes, env.Api.Writes("inferenceservices"));
        Assert.Single(env.Events("team-a", "unknown"));
    }

    [Fact]
    public async Task An_edit_that_makes_a_placed_object_invalid_keeps_its_partition_and_binding()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("team-a", "qwen", "Qwen/Qwen2.5-7B");
        var placed = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        var before = await env.Hardware.Model("team-a/qwen").GetAsync();

        Annotate(env, "team-a", "qwen", SharingAnnotations.Precision, "fp6");
        var invalid = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s)?.StartsWith("Invalid:", StringComparison.Ordinal) == true);
        var after = await env.Hardware.Model("team-a/qwen").GetAsync();

        Assert.True(KServeEnvironment.HasFinalizer(invalid));
        Assert.Equal(KServeEnvironment.Annotation(placed, SharingAnnotations.Placement), KServeEnvironment.Annotation(invalid, SharingAnnotations.Placement));
        Assert.True(JsonNode.DeepEquals(placed["spec"], invalid["spec"]));
        Assert.Equal((ModelStatus.Placed, before!.Placements[0].ReservedBytes), (after!.Status, after.Placements[0].ReservedBytes));

        // Fixed again: the same placement, no new one.
        Annotate(env, "team-a", "qwen", SharingAnnotations.Precision, "bf16");
        var fixedAgain = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        Assert.Equal(KServeEnvironment.Annotation(placed, SharingAnnotations.Placement), KServeEnvironment.Annotation(fixedAgain, SharingAnnotations.Placement));
    }

    [Fact]
    public async Task Annotations_reach_the_deployment_spec()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"));
        await env.StartWatcherAsync();

        env.Create("team-a", "tuned", "Qwen/Qwen2.5-7B-Instruct", new Dictionary<string, string>
        {
            [SharingAnnotations.QosPriority] = "low",
            [SharingAnnotations.Precision] = "fp8",
            [SharingAnnotations.MaxModelLen] = "16384",
            [SharingAnnotations.MaxNumSeqs] = "8",
            [SharingAnnotations.MemoryLimit] = "20GB",
            [SharingAnnotations.PartitionId] = "node-a/1",
            [SharingAnnotations.SloTtftMs] = "500",
            [SharingAnnotations.SloTpotMs] = "50",
            [SharingAnnotations.Isolation] = "exclusive",
        });
        await env.WaitForAsync("team-a", "tuned", s => KServeEnvironment.Status(s) == "Placed");
        var model = await env.Hardware.Model("team-a/tuned").GetAsync();

        var spec = model!.Spec;
        Assert.Equal((Priority.Low, Precision.Fp8, 16384, 8, Isolation.Exclusive), (spec.Priority, spec.Precision, spec.MaxModelLen!.Value, spec.MaxNumSeqs!.Value, spec.Isolation!.Value));
        Assert.Equal((20_000_000_000L, "node-a", 1), (spec.MemoryLimitBytes!.Value, spec.Node!, spec.Gpu!.Value));
        Assert.Equal(new SloSpec(500, 50, null), spec.Slo);
        Assert.Equal("Qwen/Qwen2.5-7B-Instruct", spec.Model);
        var placement = Assert.Single(model.Placements);
        Assert.Equal(1, placement.Gpu);
        Assert.True(placement.ReservedBytes <= 20_000_000_000L);
    }

    [Fact]
    public async Task KServe_own_examples_are_accepted_and_placed()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"));
        await env.StartWatcherAsync();
        var examples = Directory.GetFiles(Fixtures.PathOf("kserve"), "example-isvc-*.yaml").Order(StringComparer.Ordinal).ToList();
        var names = new List<string>();
        foreach (var document in examples.SelectMany(YamlDocuments.Load).Where(d => d["kind"]?.GetValue<string>() == "InferenceService"))
        {
            var metadata = (JsonObject)document["metadata"]!;
            metadata["annotations"] = new JsonObject { [SharingAnnotations.GpuSharing] = SharingAnnotations.Enabled };
            env.Store.Create(FakeResourceType.InferenceServices, "examples", document);
            names.Add(metadata["name"]!.GetValue<string>());
        }

        foreach (var name in names)
        {
            var placed = await env.WaitForAsync("examples", name, s => KServeEnvironment.Status(s) is "Placed" || KServeEnvironment.Status(s)?.StartsWith("Invalid", StringComparison.Ordinal) == true);
            Assert.True(KServeEnvironment.Status(placed) == "Placed", $"{name}: {KServeEnvironment.Status(placed)}");
            var resources = placed["spec"]!["predictor"]!["model"]!["resources"]!;
            Assert.Null(resources["limits"]?["nvidia.com/gpu"]);
            Assert.Null(resources["requests"]?["nvidia.com/gpu"]);
        }

        Assert.Equal(4, names.Count);
    }

    private static void Annotate(KServeEnvironment env, string @namespace, string name, string annotation, string value) =>
        env.Store.Patch(FakeResourceType.InferenceServices, @namespace, name, o => JsonPatches.ApplyMerge(o, new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [annotation] = value } } }));
}
