using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// Autoscaled objects against the fake API server, with FAKE stand-ins for KServe's controllers, an autoscaler, the
/// ReplicaSet controller and the scheduler (<see cref="FakeKServeWorkloads"/>): reservations follow the pods the
/// autoscaler wants, and no pod ever runs beyond them — checked throughout by a monitor, not only at the end.
/// </summary>
public sealed class AutoscalingTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string> Kinds => new() { "InferenceService", "LLMInferenceService" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Reservations_follow_a_KEDA_scaled_object_from_one_to_four_and_back_to_two_and_no_pod_runs_beyond_them(string kind)
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"), ("node-b", "MI300X:2"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await env.StartWatcherAsync();
        var scaled = Scaled.Create(env, kind, "team-a", "chat", min: 1, max: 5);
        await using var monitor = ReservationMonitor.Start(env, controllers, scaled);

        await UntilAsync(env, controllers, scaled, replicas: 1);
        controllers.Scale("team-a", scaled.Deployment, 4);
        var four = await UntilAsync(env, controllers, scaled, replicas: 4);
        controllers.Scale("team-a", scaled.Deployment, 2);
        var two = await UntilAsync(env, controllers, scaled, replicas: 2);
        var violations = await monitor.StopAsync();
        var object_ = env.Store.Get(scaled.Type, "team-a", "chat");

        Assert.Empty(violations);
        Assert.Equal(4, four.Placements.Select(p => (p.Node, p.Gpu, p.FirstPartition)).Distinct().Count());
        Assert.Equal(four.Placements.Take(2).Select(Where), two.Placements.Select(Where)); // the replicas that stayed never moved
        Assert.Equal([], CrdSchemaValidator.Validate(object_, scaled.Crd));
        Assert.Contains(PredictorWriteBack.ReservationGate, PodSpec(object_, scaled.Type)["schedulingGates"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
        Assert.Equal("Placed", KServeEnvironment.Status(object_));
    }

    public static TheoryData<string, int> Sequences => new() { { "InferenceService", 7 }, { "LLMInferenceService", 11 } };

    /// <summary>
    /// Any order of scale steps, at any pace: a seeded sequence of targets, some given before the last one settled.
    /// Throughout, no pod runs beyond the reservations (the monitor); at the end, the last target holds exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sequences))]
    public async Task Whatever_the_autoscaler_asks_and_however_fast_no_pod_runs_beyond_the_reservations(string kind, int seed)
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"), ("node-b", "MI300X:2"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await env.StartWatcherAsync();
        var scaled = Scaled.Create(env, kind, "team-r", "random", min: 1, max: 5);
        await using var monitor = ReservationMonitor.Start(env, controllers, scaled);
        await UntilAsync(env, controllers, scaled, replicas: 1);

        var random = new Random(seed);
        var target = 1;
        var steps = new List<int>();
        for (var step = 0; step < 6; step++)
        {
            target = random.Next(1, 6);
            steps.Add(target);
            controllers.Scale("team-r", scaled.Deployment, target);
            if (random.Next(2) == 0)
            {
                await UntilAsync(env, controllers, scaled, target);
            }
            else
            {
                await RoundsAsync(env, controllers, random.Next(1, 4)); // the next step before this one settles
            }
        }

        var last = await UntilAsync(env, controllers, scaled, target);
        var violations = await monitor.StopAsync();

        Assert.True(violations.Count == 0, $"steps {string.Join(" → ", steps)}: {string.Join("; ", violations)}");
        Assert.Equal(target, last.Placements.Select(p => (p.Node, p.Gpu, p.FirstPartition)).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, target), last.Placements.Select(p => p.Replica).Order());
    }

    [Fact]
    public async Task A_scale_up_that_finds_no_room_is_pending_with_an_Event_and_its_pod_stays_behind_the_gate()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await env.StartWatcherAsync();

        // A 72B model takes a whole MI300X: one GPU holds one replica.
        var scaled = Scaled.Create(env, "InferenceService", "team-b", "big", min: 1, max: 3, model: "Qwen/Qwen2.5-72B-Instruct", annotations: new() { [SharingAnnotations.MaxModelLen] = "4096", [SharingAnnotations.MaxNumSeqs] = "4" });
        await using var monitor = ReservationMonitor.Start(env, controllers, scaled);
        await UntilAsync(env, controllers, scaled, replicas: 1);

        controllers.Scale("team-b", scaled.Deployment, 2);
        var pending = await env.WaitForAsync("team-b", "big", s => KServeEnvironment.Status(s)?.StartsWith("Pending: 1 of 2 replica(s) placed", StringComparison.Ordinal) == true);
        await env.WaitUntilAsync(() => controllers.Pods("team-b", scaled.Deployment).Count == 2, "the autoscaler's second pod exists");
        await RoundsAsync(env, controllers, 5); // the autoscaler's second pod has had time to get past the gate, were it let
        var pods = controllers.Pods("team-b", scaled.Deployment);
        var events = env.Events("team-b", "big");
        controllers.Scale("team-b", scaled.Deployment, 1);
        await env.WaitForAsync("team-b", "big", s => KServeEnvironment.Status(s) == "Placed");
        var violations = await monitor.StopAsync();

        Assert.Empty(violations);
        Assert.Equal([false, true], pods.Select(FakeKServeWorkloads.IsGated));
        Assert.Contains(events, e => e.Type == "Normal" && e.Reason == "Pending" && e.Message.Contains("1 of 2 replica(s) placed", StringComparison.Ordinal));
        Assert.NotNull(pending["metadata"]!["annotations"]![SharingAnnotations.Placement]);
    }

    [Fact]
    public async Task Opting_out_takes_the_gate_out_of_the_template_and_lets_waiting_pods_go()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await env.StartWatcherAsync();
        var scaled = Scaled.Create(env, "InferenceService", "team-s", "leaving", min: 1, max: 3, model: "Qwen/Qwen2.5-72B-Instruct", annotations: new() { [SharingAnnotations.MaxModelLen] = "4096", [SharingAnnotations.MaxNumSeqs] = "4" });
        await UntilAsync(env, controllers, scaled, replicas: 1);
        controllers.Scale("team-s", scaled.Deployment, 2);
        await env.WaitUntilAsync(() => controllers.Pods("team-s", scaled.Deployment).Count(FakeKServeWorkloads.IsGated) == 1, "the second pod waits at the gate");

        env.Store.Patch(FakeResourceType.InferenceServices, "team-s", "leaving", o =>
        {
            o["metadata"]!["annotations"]!.AsObject().Remove(SharingAnnotations.GpuSharing);
            return o;
        });
        var left = await env.WaitForAsync("team-s", "leaving", s => KServeEnvironment.Status(s) is null && !KServeEnvironment.HasFinalizer(s));
        await env.WaitUntilAsync(() => controllers.Pods("team-s", scaled.Deployment).Count(p => !FakeKServeWorkloads.IsGated(p)) == 2, "both pods are past the gate");

        Assert.Null(left["spec"]!["predictor"]!["schedulingGates"]);
        Assert.Null(await env.Hardware.Model(scaled.Key).GetAsync());
    }

    [Fact]
    public async Task A_watcher_that_may_not_read_pods_keeps_what_autoscaled_objects_hold()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:4"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        var first = await env.StartWatcherAsync();
        var scaled = Scaled.Create(env, "InferenceService", "team-t", "blind", min: 1, max: 4);
        await UntilAsync(env, controllers, scaled, replicas: 1);
        controllers.Scale("team-t", scaled.Deployment, 3);
        await UntilAsync(env, controllers, scaled, replicas: 3);
        await env.StopWatcherAsync(first);

        // The next leader's RBAC lacks pods and Deployments (an upgrade that missed the new rules): no scale-down on
        // what it cannot see.
        env.Api.Forbidden["pods"] = true;
        env.Api.Forbidden["deployments"] = true;
        var next = await env.StartWatcherAsync("watcher-1", new Dictionary<string, string?> { ["GpuSharing:KServe:ResyncPeriod"] = "00:00:01" });
        await env.WaitForResyncsAsync(next, 2);
        var held = await env.Hardware.Model(scaled.Key).GetAsync();

        Assert.Equal((3, 3), (held!.Spec.Replicas, held.Placements.Count));
        Assert.True(env.Api.Requests("LIST pods") >= 1 && env.Api.Requests("LIST deployments") >= 1);
    }

    [Fact]
    public async Task Nothing_beyond_the_minimum_is_reserved_while_nothing_scales()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"));
        var watcher = await env.StartWatcherAsync(settings: new Dictionary<string, string?> { ["GpuSharing:KServe:ResyncPeriod"] = "00:00:01" });
        var scaled = Scaled.Create(env, "InferenceService", "team-c", "idle", min: 2, max: 6);

        // Before KServe has made the Deployment, and after, with nothing scaling: the minimum, and only it.
        await env.WaitForAsync("team-c", "idle", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitForResyncsAsync(watcher, 2);
        var before = await env.Hardware.Model(scaled.Key).GetAsync();
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await UntilAsync(env, controllers, scaled, replicas: 2);
        await env.WaitForResyncsAsync(watcher, 2);
        var after = await env.Hardware.Model(scaled.Key).GetAsync();
        var reservations = 0;
        foreach (var gpu in new[] { 0, 1 })
        {
            for (var partition = 0; partition < 8; partition++)
            {
                reservations += (await env.Hardware.Partition("node-a", gpu, partition).GetAsync()).Reservations.Count(r => r.Deployment == scaled.Key);
            }
        }

        Assert.Equal((2, 2), (before!.Spec.Replicas, before.Placements.Count));
        Assert.Equal((2, 2, 2), (after!.Spec.Replicas, after.Placements.Count, reservations));
        Assert.Equal(2, controllers.Pods("team-c", scaled.Deployment).Count(p => !FakeKServeWorkloads.IsGated(p)));
    }

    [Fact]
    public async Task A_high_scale_up_preempts_a_low_deployment_like_any_placement_and_the_low_pods_are_evicted()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:2"));
        await using var controllers = new FakeKServeWorkloads(env.Store, TimeSpan.FromMilliseconds(100));
        await env.StartWatcherAsync();
        var big = new Dictionary<string, string> { [SharingAnnotations.MaxModelLen] = "4096", [SharingAnnotations.MaxNumSeqs] = "4" };
        var low = Scaled.Create(env, "InferenceService", "team-d", "low", min: 1, max: 2, model: "Qwen/Qwen2.5-72B-Instruct", annotations: new(big) { [SharingAnnotations.QosPriority] = "low" });
        await UntilAsync(env, controllers, low, replicas: 1);
        var high = Scaled.Create(env, "InferenceService", "team-d", "high", min: 1, max: 2, model: "Qwen/Qwen2.5-72B-Instruct", annotations: new(big) { [SharingAnnotations.QosPriority] = "high" });
        await UntilAsync(env, controllers, high, replicas: 1);
        await using var monitor = ReservationMonitor.Start(env, controllers, low, high);

        controllers.Scale("team-d", high.Deployment, 2);
        await UntilAsync(env, controllers, high, replicas: 2);
        var preempted = await env.WaitForAsync("team-d", "low", s => KServeEnvironment.Status(s)?.StartsWith("Preempted", StringComparison.Ordinal) == true);
        await env.WaitUntilAsync(() => controllers.Pods("team-d", low.Deployment).All(FakeKServeWorkloads.IsGated), "the low pod was evicted and its replacement waits at the gate");
        var violations = await monitor.StopAsync();

        Assert.Empty(violations);
        Assert.Contains(env.Events("team-d", "low"), e => e.Reason == "PodEvicted");
        Assert.Contains("team-d/high", KServeEnvironment.Status(preempted), StringComparison.Ordinal);
    }

    /// <summary>Waits until the object holds <paramref name="replicas"/> placements and as many pods run, each on its replica's node.</summary>
    private static async Task<ModelView> UntilAsync(KServeEnvironment env, FakeKServeWorkloads controllers, Scaled scaled, int replicas)
    {
        ModelView? view = null;
        await env.WaitUntilAsync(
            async () =>
            {
                view = await env.Hardware.Model(scaled.Key).GetAsync();
                var running = controllers.Pods(scaled.Namespace, scaled.Deployment).Where(p => !FakeKServeWorkloads.IsGated(p)).ToList();
                return view is { Status: ModelStatus.Placed or ModelStatus.Running } && view.Placements.Count == replicas && running.Count == replicas
                    && running.All(p => view.Placements.Any(r => r.Replica.ToString(CultureInfo.InvariantCulture) == Annotation(p, KServeWorkloads.ReplicaAnnotation) && r.Node == p["spec"]?["nodeName"]?.GetValue<string>()));
            },
            $"{scaled.Key} holds {replicas} replica(s) with a running pod on each",
            TimeSpan.FromSeconds(60));
        return view!;
    }

    private static async Task RoundsAsync(KServeEnvironment env, FakeKServeWorkloads controllers, int rounds)
    {
        var target = controllers.Rounds + rounds;
        await env.WaitUntilAsync(() => controllers.Rounds >= target, $"{rounds} rounds of the fake controllers");
    }

    private static (string, int, int) Where(ReplicaPlacement p) => (p.Node, p.Gpu, p.FirstPartition);

    private static JsonObject PodSpec(JsonObject service, FakeResourceType type) =>
        (JsonObject)(type == FakeResourceType.LlmInferenceServices ? service["spec"]!["template"]! : service["spec"]!["predictor"]!);

    private static string? Annotation(JsonObject pod, string name) => pod["metadata"]?["annotations"]?[name]?.GetValue<string>();
}
