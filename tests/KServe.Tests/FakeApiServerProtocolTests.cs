using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// The fake API server answers the real KubernetesClient as kube-apiserver would for what the watcher relies on — so
/// that the watcher tests test the watcher, not the fake: conflicts, patches, finalizers, generations, watch resume.
/// </summary>
public sealed class FakeApiServerProtocolTests
{
    [Fact]
    public async Task Patches_with_a_stale_resourceVersion_conflict_and_JSON_patch_tests_are_enforced()
    {
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = api.Url });
        var created = api.Store.Create(FakeResourceType.InferenceServices, "team-a", Service("svc"));
        var version = created["metadata"]!["resourceVersion"]!.GetValue<string>();

        var merged = await PatchAsync(client, V1Patch.PatchType.MergePatch, Annotate(version, "1"));
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, V1Patch.PatchType.MergePatch, Annotate(version, "2")));
        var jsonPatched = await PatchAsync(client, V1Patch.PatchType.JsonPatch, """[{"op":"test","path":"/metadata/annotations/a","value":"1"},{"op":"add","path":"/spec/predictor/minReplicas","value":2}]""");
        var failedTest = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, V1Patch.PatchType.JsonPatch, """[{"op":"test","path":"/metadata/annotations/a","value":"9"},{"op":"remove","path":"/spec"}]"""));

        Assert.Equal("1", merged.Metadata.Annotations["a"]);
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal("Conflict", JsonNode.Parse(stale.Response.Content)!["reason"]!.GetValue<string>());
        Assert.Equal(2, jsonPatched.Spec!["predictor"]!["minReplicas"]!.GetValue<int>());
        Assert.Equal((1L, 2L), (merged.Metadata.Generation!.Value, jsonPatched.Metadata.Generation!.Value)); // annotations do not bump the generation; spec does
        Assert.Equal((HttpStatusCode)422, failedTest.Response.StatusCode);
        Assert.NotNull(api.Store.Get(FakeResourceType.InferenceServices, "team-a", "svc")["spec"]);
    }

    [Fact]
    public async Task A_finalizer_holds_a_deleted_object_until_it_is_removed_and_a_watch_resumes_or_expires()
    {
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = api.Url });
        var withFinalizer = Service("held");
        withFinalizer["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        api.Store.Create(FakeResourceType.InferenceServices, "team-a", withFinalizer);
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<InferenceServiceList>(KServeKind.Group, KServeKind.InferenceService.Version, "team-a", KServeKind.InferenceService.Plural, cancellationToken: TestContext.Current.CancellationToken);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(KServeKind.Group, KServeKind.InferenceService.Version, "team-a", KServeKind.InferenceService.Plural, "held", cancellationToken: TestContext.Current.CancellationToken);
        var marked = api.Store.Get(FakeResourceType.InferenceServices, "team-a", "held");
        api.Store.Patch(FakeResourceType.InferenceServices, "team-a", "held", o => JsonPatches.ApplyMerge(o, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } }));

        var events = new List<(WatchEventType Type, string? Name)>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        await foreach (var (type, item) in client.CustomObjects.WatchListNamespacedCustomObjectAsync(KServeKind.Group, KServeKind.InferenceService.Version, "team-a", KServeKind.InferenceService.Plural, allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 1, cancellationToken: timeout.Token))
        {
            events.Add((type, ((JsonElement)item).GetProperty("metadata").TryGetProperty("name", out var name) ? name.GetString() : null));
        }

        api.Store.Compact();
        Exception? expired = null;
        await foreach (var _ in client.CustomObjects.WatchListNamespacedCustomObjectAsync(KServeKind.Group, KServeKind.InferenceService.Version, "team-a", KServeKind.InferenceService.Plural, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 1, onError: e => expired = e, cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Null(api.Store.Find(FakeResourceType.InferenceServices, "team-a", "held"));
        Assert.Equal([(WatchEventType.Modified, "held"), (WatchEventType.Deleted, "held"), (WatchEventType.Bookmark, null)], events.Take(3));
        Assert.Equal(410, Assert.IsType<KubernetesException>(expired).Status.Code);
    }

    private static async Task<InferenceService> PatchAsync(Kubernetes client, V1Patch.PatchType type, string body)
    {
        var response = await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body, type), KServeKind.Group, KServeKind.InferenceService.Version, "team-a", KServeKind.InferenceService.Plural, "svc", cancellationToken: TestContext.Current.CancellationToken);
        return KubernetesJson.Deserialize<InferenceService>(((JsonElement)response).GetRawText());
    }

    [Fact]
    public async Task Pods_and_Deployments_are_listed_and_watched_by_label_selector_and_pods_evicted_through_their_subresource()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = api.Url });
        api.Store.Create(FakeResourceType.Pods, "team-a", Pod("mine", new JsonObject { ["serving.kserve.io/inferenceservice"] = "svc" }));
        api.Store.Create(FakeResourceType.Pods, "team-a", Pod("other", new JsonObject { ["app"] = "web" }));
        api.Store.Create(FakeResourceType.Deployments, "team-a", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "svc-predictor", ["labels"] = new JsonObject { ["serving.kserve.io/inferenceservice"] = "svc" } }, ["spec"] = new JsonObject { ["replicas"] = 3 } });

        var pods = await client.CoreV1.ListNamespacedPodAsync("team-a", labelSelector: "serving.kserve.io/inferenceservice", cancellationToken: ct);
        var byValue = await client.CoreV1.ListNamespacedPodAsync("team-a", labelSelector: "app=web", cancellationToken: ct);
        var deployments = await client.AppsV1.ListNamespacedDeploymentAsync("team-a", labelSelector: "serving.kserve.io/inferenceservice", cancellationToken: ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var seen = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("team-a", labelSelector: "serving.kserve.io/inferenceservice", resourceVersion: pods.Metadata.ResourceVersion, timeoutSeconds: 5, cancellationToken: timeout.Token))
            {
                seen.Add((type, pod.Metadata.Name));
                if (type == WatchEventType.Deleted)
                {
                    return;
                }
            }
        }, ct);
        await Eventually.UntilAsync(_ => Task.FromResult(api.OpenWatches), n => n > 0, TimeSpan.FromSeconds(10), _ => "the watch opened", cancellationToken: ct);
        api.Store.Create(FakeResourceType.Pods, "team-a", Pod("ignored", new JsonObject { ["app"] = "web" }));
        await client.CoreV1.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = "mine", NamespaceProperty = "team-a" } }, "mine", "team-a", cancellationToken: ct);
        await watching;

        Assert.Equal(["mine"], pods.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["other"], byValue.Items.Select(p => p.Metadata.Name));
        Assert.Equal(3, deployments.Items.Single().Spec.Replicas);
        Assert.Equal([(WatchEventType.Deleted, "mine")], seen);
        Assert.Null(api.Store.Find(FakeResourceType.Pods, "team-a", "mine"));
        Assert.Equal(1, api.Requests("POST pods/eviction"));
    }

    [Fact]
    public async Task An_LLMInferenceService_is_answered_in_the_version_asked_for_and_a_version_not_served_is_a_404()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = api.Url });
        api.Store.Create(FakeResourceType.LlmInferenceServices, "team-a", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "llm" }, ["spec"] = new JsonObject { ["replicas"] = 1 } });

        var asV1alpha1 = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(KServeKind.Group, "v1alpha1", "team-a", "llminferenceservices", "llm", cancellationToken: ct);
        var listV1alpha1 = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(KServeKind.Group, "v1alpha1", "team-a", "llminferenceservices", cancellationToken: ct);
        var patched = (JsonElement)await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("{\"spec\":{\"replicas\":2}}", V1Patch.PatchType.MergePatch), KServeKind.Group, "v1alpha1", "team-a", "llminferenceservices", "llm", cancellationToken: ct);
        var asV1alpha2 = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(KServeKind.Group, "v1alpha2", "team-a", "llminferenceservices", "llm", cancellationToken: ct);
        api.LlmInferenceServiceVersions = new HashSet<string> { "v1alpha1" }; // KServe v0.16
        var notServed = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.ListNamespacedCustomObjectAsync(KServeKind.Group, "v1alpha2", "team-a", "llminferenceservices", cancellationToken: ct));
        var unknown = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.ListNamespacedCustomObjectAsync(KServeKind.Group, "v1beta1", "team-a", "llminferenceservices", cancellationToken: ct));

        Assert.Equal("serving.kserve.io/v1alpha1", asV1alpha1.GetProperty("apiVersion").GetString());
        Assert.Equal("serving.kserve.io/v1alpha1", listV1alpha1.GetProperty("items")[0].GetProperty("apiVersion").GetString());
        Assert.Equal(("serving.kserve.io/v1alpha1", 2), (patched.GetProperty("apiVersion").GetString(), patched.GetProperty("spec").GetProperty("replicas").GetInt32()));
        Assert.Equal(("serving.kserve.io/v1alpha2", 2), (asV1alpha2.GetProperty("apiVersion").GetString(), asV1alpha2.GetProperty("spec").GetProperty("replicas").GetInt32())); // one object, stored once
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (notServed.Response.StatusCode, unknown.Response.StatusCode));
    }

    private static JsonObject Pod(string name, JsonObject labels) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "main" }) },
    };

    private static string Annotate(string resourceVersion, string value) =>
        new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion, ["annotations"] = new JsonObject { ["a"] = value } } }.ToJsonString();

    private static JsonObject Service(string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject() },
        ["spec"] = new JsonObject { ["predictor"] = new JsonObject { ["model"] = new JsonObject { ["storageUri"] = "hf://Qwen/Qwen2.5-0.5B" } } },
    };
}
