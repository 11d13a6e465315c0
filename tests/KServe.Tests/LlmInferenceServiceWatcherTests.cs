using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.Apis;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// LLMInferenceServices (KServe v0.20.0, <c>serving.kserve.io/v1alpha2</c>; and v0.16's <c>v1alpha1</c>) through the
/// watcher, against the fake API server with the real KubernetesClient: the same annotations and write-back as
/// InferenceServices, the binding in the template's <c>main</c> container, deployments keyed by kind, refusals with a
/// status and an Event, and the object still valid against KServe's CRD.
/// </summary>
public sealed class LlmInferenceServiceWatcherTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_LLMInferenceService_is_placed_and_its_template_main_container_is_bound_and_stays_valid()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();

        // AMD's example of the kind (../shared/fixtures/kserve), opted in; and an InferenceService of the same name.
        var example = YamlDocuments.Load(Fixtures.PathOf("kserve", "example-llmisvc-qwen2-7b-gpu-with-scheduler.yaml")).Single();
        example["metadata"]!["annotations"] = new JsonObject { [SharingAnnotations.GpuSharing] = SharingAnnotations.Enabled, [SharingAnnotations.QosPriority] = "high", [SharingAnnotations.MaxModelLen] = "8192" };
        example["spec"]!["replicas"] = 1;
        env.Store.Create(FakeResourceType.LlmInferenceServices, "team-l", example);
        var name = example["metadata"]!["name"]!.GetValue<string>();
        env.Create("team-l", name, "Qwen/Qwen2.5-0.5B-Instruct");

        var placed = await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-l", name, s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitForAsync("team-l", name, s => KServeEnvironment.Status(s) == "Placed");
        var llm = await env.Hardware.Model($"team-l/{name}{DeploymentKeys.LlmInferenceServiceSuffix}").GetAsync();
        var isvc = await env.Hardware.Model($"team-l/{name}").GetAsync();

        Assert.Equal(("Qwen/Qwen2.5-7B-Instruct", Priority.High, 1), (llm!.Spec.Model, llm.Spec.Priority, llm.Placements.Count));
        Assert.Equal("Qwen/Qwen2.5-0.5B-Instruct", isvc!.Spec.Model); // one name, two kinds, two deployments
        Assert.True(KServeEnvironment.HasFinalizer(placed));
        var template = placed["spec"]!["template"]!;
        var main = Assert.Single(template["containers"]!.AsArray(), c => c!["name"]!.GetValue<string>() == PredictorWriteBack.MainContainer)!;
        var args = main["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains("--max-model-len=8192", args);
        Assert.Contains(args, a => a.StartsWith("--gpu-memory-utilization=", StringComparison.Ordinal));
        Assert.DoesNotContain(args, a => a.StartsWith("--served-model-name", StringComparison.Ordinal)); // KServe names it from spec.model.name
        var limits = main["resources"]!["limits"]!.AsObject();
        Assert.Equal([("amd.com/qpx_nps1", "1"), ("cpu", "4"), ("memory", "32Gi")], limits.Select(l => (l.Key, l.Value!.GetValue<string>())).OrderBy(l => l.Key, StringComparer.Ordinal));
        Assert.Equal("docker.io/rocm/vllm:latest", main["image"]!.GetValue<string>());
        Assert.NotNull(main["livenessProbe"]); // the owner's fields stay
        Assert.Equal("node-a", template["nodeSelector"]![PredictorWriteBack.HostnameLabel]!.GetValue<string>());
        Assert.NotNull(placed["spec"]!["router"]!["scheduler"]);
        Assert.Equal([], CrdSchemaValidator.Validate(placed, Scaled.CrdOf(FakeResourceType.LlmInferenceServices)));
        var events = env.Store.List(FakeResourceType.Events, "team-l").Items.Where(e => e["involvedObject"]!["kind"]!.GetValue<string>() == KServeKind.LlmInferenceService.Kind).ToList();
        Assert.Contains(events, e => e["reason"]!.GetValue<string>() == "Placed" && e["involvedObject"]!["apiVersion"]!.GetValue<string>() == "serving.kserve.io/v1alpha2");
    }

    [Theory]
    [InlineData("worker", """{"containers": [{"name": "main"}]}""", "spec.worker (one replica spread over several pods and nodes) cannot be placed")]
    [InlineData("prefill", """{"replicas": 2, "template": {"containers": [{"name": "main"}]}}""", "spec.prefill (prefill pods apart from decode pods) cannot be placed")]
    public async Task What_cannot_be_honoured_yet_is_refused_with_a_status_and_a_Warning_Event_and_reserves_nothing(string field, string value, string reason)
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();

        env.CreateLlm("team-m", "split", "Qwen/Qwen2.5-7B-Instruct", specExtras: new JsonObject { [field] = JsonNode.Parse(value) });
        var refused = await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-m", "split", s => KServeEnvironment.Status(s)?.StartsWith("Invalid:", StringComparison.Ordinal) == true);
        var events = env.Store.List(FakeResourceType.Events, "team-m").Items;

        Assert.Contains(reason, KServeEnvironment.Status(refused), StringComparison.Ordinal);
        Assert.Contains(events, e => e["type"]!.GetValue<string>() == "Warning" && e["reason"]!.GetValue<string>() == "Invalid" && e["message"]!.GetValue<string>().Contains(reason, StringComparison.Ordinal));
        Assert.Null(await env.Hardware.Model("team-m/split" + DeploymentKeys.LlmInferenceServiceSuffix).GetAsync());
        Assert.False(KServeEnvironment.HasFinalizer(refused));
    }

    [Fact]
    public async Task Deleting_an_LLMInferenceService_releases_its_partition_before_its_finalizer_lets_it_go()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.CreateLlm("team-n", "gone", "Qwen/Qwen2.5-7B-Instruct");
        await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-n", "gone", s => KServeEnvironment.Status(s) == "Placed");
        var key = "team-n/gone" + DeploymentKeys.LlmInferenceServiceSuffix;
        var placement = (await env.Hardware.Model(key).GetAsync())!.Placements.Single();

        env.Store.Delete(FakeResourceType.LlmInferenceServices, "team-n", "gone");
        await env.WaitUntilAsync(() => env.Store.Find(FakeResourceType.LlmInferenceServices, "team-n", "gone") is null, "the finalizer let the object go");
        var partition = await env.Hardware.Partition("node-a", placement.Gpu, placement.FirstPartition).GetAsync();

        Assert.Null(await env.Hardware.Model(key).GetAsync());
        Assert.DoesNotContain(partition.Reservations, r => r.Deployment == key);
    }

    [Fact]
    public async Task A_ready_LLMInferenceService_is_served_by_its_address_under_its_model_name()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.CreateLlm("team-o", "chat", "Qwen/Qwen2.5-7B-Instruct", new Dictionary<string, string> { [SharingAnnotations.QosPriority] = "high" });
        await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-o", "chat", s => KServeEnvironment.Status(s) == "Placed");

        // KServe's controller (absent here) would write this status.
        env.Store.Patch(FakeResourceType.LlmInferenceServices, "team-o", "chat", o =>
        {
            o["status"] = new JsonObject
            {
                ["url"] = "http://chat-kserve-workload-svc.team-o.svc.cluster.local",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            };
            return o;
        });
        var directory = env.Hardware.Client.GetGrain<IEndpointDirectoryGrain>(Pools.Default);
        await env.WaitUntilAsync(async () => (await directory.ListAsync(Cancellation)).Endpoints.Any(e => e.Source == KServeEndpoints.Reporter), "the watcher reports the address");
        var endpoint = Assert.Single((await directory.ListAsync(Cancellation)).Endpoints, e => e.Source == KServeEndpoints.Reporter);

        Assert.Equal(("team-o/chat" + DeploymentKeys.LlmInferenceServiceSuffix, "http://chat-kserve-workload-svc.team-o.svc.cluster.local", "Qwen/Qwen2.5-7B-Instruct"), (endpoint.Deployment, endpoint.Url, endpoint.ServedModel));
    }

    [Fact]
    public async Task An_expired_watch_of_LLMInferenceServices_lists_again_and_misses_neither_a_creation_nor_a_deletion()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var watcher = await env.StartWatcherAsync();
        env.CreateLlm("team-q", "before", "Qwen/Qwen2.5-0.5B-Instruct");
        await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-q", "before", s => KServeEnvironment.Status(s) == "Placed");
        var lists = env.Api.Requests("LIST llminferenceservices");

        env.Store.Compact(); // the resumed watch gets 410 Gone in its stream
        env.Api.DropWatches();
        env.CreateLlm("team-q", "after", "Qwen/Qwen2.5-0.5B-Instruct");
        env.Store.Delete(FakeResourceType.LlmInferenceServices, "team-q", "before");
        await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-q", "after", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitUntilAsync(() => env.Store.Find(FakeResourceType.LlmInferenceServices, "team-q", "before") is null, "the deleted object's finalizer was removed");

        Assert.True(env.Api.Requests("LIST llminferenceservices") > lists, "the 410 made the watcher list the kind again");
        Assert.NotNull(watcher.Services.GetRequiredService<InferenceServiceCache>().Get("team-q/after" + DeploymentKeys.LlmInferenceServiceSuffix));
        Assert.Null(await env.Hardware.Model("team-q/before" + DeploymentKeys.LlmInferenceServiceSuffix).GetAsync());
    }

    [Fact]
    public async Task A_watcher_that_cannot_list_the_kind_releases_nothing_of_it()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var first = await env.StartWatcherAsync();
        env.CreateLlm("team-u", "kept", "Qwen/Qwen2.5-0.5B-Instruct");
        env.Create("team-u", "plain", "Qwen/Qwen2.5-0.5B-Instruct"); // something for the next watcher's resyncs to reconcile
        await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-u", "kept", s => KServeEnvironment.Status(s) == "Placed");
        await env.StopWatcherAsync(first);

        // The next leader is answered 404 for the kind (an RBAC or CRD mishap): absent objects are not deleted ones.
        env.Api.ServeLlmInferenceServices = false;
        var next = await env.StartWatcherAsync("watcher-1", new Dictionary<string, string?> { ["GpuSharing:KServe:ResyncPeriod"] = "00:00:01" });
        await env.WaitForResyncsAsync(next, 2);

        var model = await env.Hardware.Model("team-u/kept" + DeploymentKeys.LlmInferenceServiceSuffix).GetAsync();
        Assert.Equal(ModelStatus.Placed, model?.Status);
        Assert.True(KServeEnvironment.HasFinalizer(env.Store.Get(FakeResourceType.LlmInferenceServices, "team-u", "kept")));
    }

    [Fact]
    public async Task On_KServe_v0_16_which_serves_only_v1alpha1_the_watcher_reads_and_writes_v1alpha1()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        env.Api.LlmInferenceServiceVersions = new HashSet<string> { "v1alpha1" };
        var watcher = await env.StartWatcherAsync();

        env.CreateLlm("team-o", "older", "Qwen/Qwen2.5-0.5B-Instruct");
        var placed = await env.WaitForAsync(FakeResourceType.LlmInferenceServices, "team-o", "older", s => KServeEnvironment.Status(s) == "Placed");
        var events = env.Store.List(FakeResourceType.Events, "team-o").Items;
        var template = placed["spec"]!["template"]!;
        var main = template["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == PredictorWriteBack.MainContainer)!;

        Assert.True(KServeEnvironment.HasFinalizer(placed));
        Assert.Equal("node-a", template["nodeSelector"]![PredictorWriteBack.HostnameLabel]!.GetValue<string>()); // the binding, written back through v1alpha1
        Assert.Contains(main["args"]!.AsArray(), a => a!.GetValue<string>().StartsWith("--gpu-memory-utilization=", StringComparison.Ordinal));
        Assert.Contains(events, e => e["reason"]!.GetValue<string>() == "Placed" && e["involvedObject"]!["apiVersion"]!.GetValue<string>() == "serving.kserve.io/v1alpha1");
        Assert.True(watcher.Services.GetRequiredService<InferenceServiceCache>().IsServed(KServeKind.LlmInferenceService));
        Assert.True(env.Api.Requests("WATCH llminferenceservices") >= 1, "it watches the version it listed");
    }

    [Fact]
    public async Task Without_the_LLMInferenceService_CRD_InferenceServices_are_reconciled_all_the_same()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        env.Api.ServeLlmInferenceServices = false;
        var watcher = await env.StartWatcherAsync();

        env.Create("team-p", "qwen", "Qwen/Qwen2.5-0.5B-Instruct");
        await env.WaitForAsync("team-p", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        var services = watcher.Services;
        var report = KServeApi.GetStatus(
            services.GetRequiredService<IOptions<KServeOptions>>(),
            services.GetRequiredService<KServeWatcherStatus>(),
            services.GetRequiredService<WatcherIdentity>(),
            services.GetRequiredService<InferenceServiceCache>(),
            services.GetRequiredService<WorkloadCache>(),
            services.GetRequiredService<ReconcileQueue>());

        Assert.True(env.Api.Requests("LIST llminferenceservices") >= 1, "the watcher asked for the kind");
        Assert.Equal(0, env.Api.Requests("WATCH llminferenceservices"));
        Assert.Equal((true, true, true, 1), (report.Leader, report.Synced, report.WorkloadsSynced, report.Objects));
    }
}
