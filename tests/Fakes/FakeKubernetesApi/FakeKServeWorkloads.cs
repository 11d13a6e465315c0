using System.Globalization;
using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>
/// FAKE stand-ins, named as such, for the controllers that run beside the watcher in a real cluster, acting on the fake
/// API server's store every <c>period</c>:
/// <list type="bullet">
/// <item>KServe's: a Deployment per opted-in object (<c>{name}-predictor</c> for an InferenceService in raw deployment
/// mode, <c>{name}-kserve</c> for an LLMInferenceService) with KServe's labels, its pod template taken from the
/// object's pod spec, its replicas starting at the object's minimum and none while KServe's stop annotation is set;</item>
/// <item>an autoscaler's: <see cref="Scale"/> sets a Deployment's replicas, as KEDA or the HPA does;</item>
/// <item>the ReplicaSet controller's: pods made from the template and removed to match the replicas, removal in the
/// ReplicaSet's order — unscheduled pods first, then by <c>controller.kubernetes.io/pod-deletion-cost</c>, newest first;</item>
/// <item>the scheduler's: a pod without scheduling gates is bound to the node its <c>kubernetes.io/hostname</c> selector
/// names (or the first node, without one) and runs.</item>
/// </list>
/// No rollouts: a changed template reaches new pods only.
/// </summary>
public sealed class FakeKServeWorkloads : IAsyncDisposable
{
    private readonly FakeKubernetesStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<(string Namespace, string Deployment), int> _scaled = [];
    private readonly Lock _lock = new();

    public FakeKServeWorkloads(FakeKubernetesStore store, TimeSpan period)
    {
        _store = store;
        _loop = RunAsync(period, _stop.Token);
    }

    private int _rounds;

    /// <summary>Rounds done; a test waits for a few to know the controllers have seen a change.</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    /// <summary>What KEDA or the HPA does: the Deployment's replicas (it takes effect on the next round).</summary>
    public void Scale(string @namespace, string deployment, int replicas)
    {
        lock (_lock)
        {
            _scaled[(@namespace, deployment)] = replicas;
        }
    }

    /// <summary>The pods of a Deployment, oldest first.</summary>
    public IReadOnlyList<JsonObject> Pods(string @namespace, string deployment) =>
        [.. _store.List(FakeResourceType.Pods, @namespace).Items
            .Where(p => Text(p["metadata"]?["labels"]?["fake-deployment"]) == deployment)
            .OrderBy(p => long.Parse(Text(p["metadata"]?["resourceVersion"])!, CultureInfo.InvariantCulture))];

    /// <summary>The fake's own note on each pod it makes: whether its template carried a scheduling gate when it was made.</summary>
    public const string BornGated = "fake.kserve/born-gated";

    public static bool IsGated(JsonObject pod) => pod["spec"]?["schedulingGates"] is JsonArray { Count: > 0 };

    public static bool WasBornGated(JsonObject pod) => pod["metadata"]?["annotations"]?[BornGated]?.GetValue<string>() == "true";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(period, cancellationToken);
            foreach (var (type, suffix) in new[] { (FakeResourceType.InferenceServices, "-predictor"), (FakeResourceType.LlmInferenceServices, "-kserve") })
            {
                foreach (var owner in _store.List(type, null).Items.Where(o => Text(o["metadata"]?["annotations"]?["aim.amd.com/gpu-sharing"]) == "enabled"))
                {
                    Reconcile(type, owner, Text(owner["metadata"]!["name"])! + suffix);
                }
            }

            Interlocked.Increment(ref _rounds);
        }
    }

    private void Reconcile(FakeResourceType type, JsonObject owner, string deploymentName)
    {
        var @namespace = Text(owner["metadata"]!["namespace"])!;
        var name = Text(owner["metadata"]!["name"])!;
        var llm = type == FakeResourceType.LlmInferenceServices;
        var podSpec = (llm ? owner["spec"]?["template"] : owner["spec"]?["predictor"]) as JsonObject ?? new JsonObject();
        var labels = llm
            ? new JsonObject { ["app.kubernetes.io/part-of"] = "llminferenceservice", ["app.kubernetes.io/name"] = name, ["kserve.io/component"] = "workload", ["fake-deployment"] = deploymentName }
            : new JsonObject { ["serving.kserve.io/inferenceservice"] = name, ["component"] = "predictor", ["fake-deployment"] = deploymentName };
        int replicas;
        lock (_lock)
        {
            replicas = _scaled.TryGetValue((@namespace, deploymentName), out var scaled) ? scaled : Minimum(owner, llm);
        }

        if (Text(owner["metadata"]?["annotations"]?["serving.kserve.io/stop"]) == "true")
        {
            replicas = 0;
        }

        var template = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["schedulingGates"] = podSpec["schedulingGates"]?.DeepClone(),
                ["nodeSelector"] = podSpec["nodeSelector"]?.DeepClone(),
                ["containers"] = new JsonArray(new JsonObject { ["name"] = llm ? "main" : "kserve-container" }),
            },
        };
        var deployment = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = deploymentName, ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["template"] = template },
        };
        if (_store.Find(FakeResourceType.Deployments, @namespace, deploymentName) is null)
        {
            _store.Create(FakeResourceType.Deployments, @namespace, deployment);
        }
        else
        {
            _store.Patch(FakeResourceType.Deployments, @namespace, deploymentName, current =>
            {
                current["spec"] = deployment["spec"]!.DeepClone();
                return current;
            });
        }

        var pods = Pods(@namespace, deploymentName).Where(p => p["metadata"]?["deletionTimestamp"] is null).ToList();
        foreach (var surplus in pods.OrderBy(p => Text(p["spec"]?["nodeName"]) is null ? 0 : 1).ThenBy(Cost).ThenByDescending(Version).Take(Math.Max(0, pods.Count - replicas)))
        {
            _store.Delete(FakeResourceType.Pods, @namespace, Text(surplus["metadata"]!["name"])!);
        }

        for (var i = pods.Count; i < replicas; i++)
        {
            _store.Create(FakeResourceType.Pods, @namespace, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["generateName"] = deploymentName + "-",
                    ["labels"] = labels.DeepClone(),
                    ["annotations"] = new JsonObject { [BornGated] = IsGated(template) ? "true" : "false" },
                },
                ["spec"] = template["spec"]!.DeepClone(),
                ["status"] = new JsonObject { ["phase"] = "Pending" },
            });
        }

        foreach (var pod in Pods(@namespace, deploymentName).Where(p => !IsGated(p) && p["spec"]?["nodeName"] is null))
        {
            _store.Patch(FakeResourceType.Pods, @namespace, Text(pod["metadata"]!["name"])!, current =>
            {
                if (IsGated(current) || current["spec"]?["nodeName"] is not null)
                {
                    return current; // gated again, or bound, since it was read: nothing to do
                }

                current["spec"]!["nodeName"] = Text(current["spec"]?["nodeSelector"]?["kubernetes.io/hostname"]) ?? "node-a";
                current["status"] = new JsonObject { ["phase"] = "Running" };
                return current;
            });
        }
    }

    private static int Minimum(JsonObject owner, bool llm)
    {
        var spec = owner["spec"];
        var minimum = llm ? Number(spec?["replicas"]) ?? Number(spec?["scaling"]?["minReplicas"]) : Number(spec?["predictor"]?["minReplicas"]);
        return Math.Max(1, minimum ?? 1);
    }

    private static long Cost(JsonObject pod) =>
        long.TryParse(Text(pod["metadata"]?["annotations"]?["controller.kubernetes.io/pod-deletion-cost"]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    private static long Version(JsonObject pod) => long.Parse(Text(pod["metadata"]!["resourceVersion"])!, CultureInfo.InvariantCulture);

    private static int? Number(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var n) ? n : null;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
