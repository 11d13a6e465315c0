using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.KServe.Tests;

/// <summary>Waiting, preemption, deletion through the finalizer, opting out, and objects that vanished while no watcher ran.</summary>
public sealed class WatcherLifecycleTests
{
    private static readonly Dictionary<string, string> Big = new() { [SharingAnnotations.MaxModelLen] = "4096", [SharingAnnotations.MaxNumSeqs] = "4" };

    [Fact]
    public async Task A_deployment_with_no_room_waits_stopped_with_its_reason_and_runs_when_room_appears()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("team-a", "big", "Qwen/Qwen2.5-72B-Instruct", Big);
        await env.WaitForAsync("team-a", "big", s => KServeEnvironment.Status(s) == "Placed");

        env.Create("team-b", "mid", "Qwen/Qwen2.5-32B-Instruct");
        var waiting = await env.WaitForAsync("team-b", "mid", s => KServeEnvironment.Status(s)?.StartsWith("Pending:", StringComparison.Ordinal) == true);
        env.Store.Delete(FakeResourceType.InferenceServices, "team-a", "big");
        var running = await env.WaitForAsync("team-b", "mid", s => KServeEnvironment.Status(s) == "Placed");

        Assert.Contains("fits none of 1 GPU(s)", KServeEnvironment.Status(waiting), StringComparison.Ordinal);
        Assert.Equal(("true", "true"), (KServeEnvironment.Annotation(waiting, SharingAnnotations.KServeStop), KServeEnvironment.Annotation(waiting, SharingAnnotations.StoppedByWatcher)));
        Assert.Null(KServeEnvironment.Annotation(running, SharingAnnotations.KServeStop));
        Assert.Null(KServeEnvironment.Annotation(running, SharingAnnotations.StoppedByWatcher));
        Assert.Equal(["Pending", "Placed"], env.Events("team-b", "mid").Select(e => e.Reason));
        Assert.Contains("fits none of 1 GPU(s)", env.Events("team-b", "mid")[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_an_InferenceService_releases_its_partitions_before_the_finalizer_lets_it_go()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("team-a", "qwen", "Qwen/Qwen2.5-7B");
        await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");
        var placement = (await env.Hardware.Model("team-a/qwen").GetAsync())!.Placements[0];

        var marked = env.Store.Delete(FakeResourceType.InferenceServices, "team-a", "qwen");
        await env.WaitUntilAsync(() => env.Find("team-a", "qwen") is null, "the object is gone");
        var partition = await env.Hardware.Partition("node-a", placement.Gpu, placement.FirstPartition).GetAsync();

        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]); // the finalizer held it
        Assert.Empty(partition.Reservations);
        Assert.Null(await env.Hardware.Model("team-a/qwen").GetAsync());
    }

    [Fact]
    public async Task High_preempts_low_which_is_stopped_with_a_warning_and_never_the_reverse()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("batch", "low", "Qwen/Qwen2.5-72B", new Dictionary<string, string>(Big) { [SharingAnnotations.QosPriority] = "low" });
        await env.WaitForAsync("batch", "low", s => KServeEnvironment.Status(s) == "Placed");

        env.Create("prod", "high", "Qwen/Qwen2.5-32B", new Dictionary<string, string> { [SharingAnnotations.QosPriority] = "high" });
        var high = await env.WaitForAsync("prod", "high", s => KServeEnvironment.Status(s) == "Placed");
        var low = await env.WaitForAsync("batch", "low", s => KServeEnvironment.Status(s)?.StartsWith("Preempted:", StringComparison.Ordinal) == true);

        Assert.Contains("prod/high", KServeEnvironment.Status(low), StringComparison.Ordinal);
        Assert.Equal("true", KServeEnvironment.Annotation(low, SharingAnnotations.KServeStop));
        Assert.Contains(env.Events("batch", "low"), e => e is { Type: "Warning", Reason: "Preempted" });
        Assert.Null(KServeEnvironment.Annotation(high, SharingAnnotations.KServeStop));
        Assert.Equal(ModelStatus.Placed, (await env.Hardware.Model("prod/high").GetAsync())!.Status);
    }

    [Fact]
    public async Task The_event_of_a_status_is_recorded_before_the_status_is_written_whatever_the_API_servers_pace()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        env.Api.EventCreateDelay = TimeSpan.FromMilliseconds(400);
        await env.StartWatcherAsync();

        env.Create("team-a", "qwen", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");

        // Read at once: whoever sees the status finds its Event.
        Assert.Contains(env.Events("team-a", "qwen"), e => e is { Type: "Normal", Reason: "Placed" });
    }

    [Fact]
    public async Task Opting_out_releases_the_deployment_and_removes_what_the_watcher_wrote_but_keeps_the_predictor()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        await env.StartWatcherAsync();
        env.Create("team-a", "qwen", "Qwen/Qwen2.5-0.5B");
        var placed = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed");

        env.Store.Patch(FakeResourceType.InferenceServices, "team-a", "qwen", o => JsonPatches.ApplyMerge(o, new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [SharingAnnotations.GpuSharing] = null } } }));
        var released = await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) is null && !KServeEnvironment.HasFinalizer(s));

        Assert.Null(KServeEnvironment.Annotation(released, SharingAnnotations.Placement));
        Assert.Null(await env.Hardware.Model("team-a/qwen").GetAsync());
        Assert.True(JsonNode.DeepEquals(placed["spec"], released["spec"]));
    }

    [Fact]
    public async Task A_deployment_whose_object_vanished_while_no_watcher_ran_is_released_on_the_next_list()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var first = await env.StartWatcherAsync("watcher-a");
        env.Create("team-a", "gone", "Qwen/Qwen2.5-0.5B");
        env.Create("team-a", "kept", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "gone", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitForAsync("team-a", "kept", s => KServeEnvironment.Status(s) == "Placed");
        await env.StopWatcherAsync(first);

        // Someone strips the finalizer by hand and deletes the object while no watcher runs.
        env.Store.Patch(FakeResourceType.InferenceServices, "team-a", "gone", o => JsonPatches.ApplyMerge(o, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } }));
        env.Store.Delete(FakeResourceType.InferenceServices, "team-a", "gone");
        Assert.NotNull(await env.Hardware.Model("team-a/gone").GetAsync());
        await env.StartWatcherAsync("watcher-b");
        await env.WaitUntilAsync(async () => await env.Hardware.Model("team-a/gone").GetAsync() is null, "the vanished deployment is released");

        Assert.Equal(ModelStatus.Placed, (await env.Hardware.Model("team-a/kept").GetAsync())!.Status);
    }
}
