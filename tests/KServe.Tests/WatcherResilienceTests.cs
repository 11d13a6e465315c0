using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GpuSharing.KServe.Tests;

/// <summary>One leader among replicas and failover; convergence of many objects under dropped streams and a 410 midway.</summary>
public sealed class WatcherResilienceTests
{
    [Fact]
    public async Task Of_two_replicas_one_leads_and_the_other_takes_over_when_it_stops()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var a = await env.StartWatcherAsync("watcher-a");
        var b = await env.StartWatcherAsync("watcher-b");
        await env.WaitUntilAsync(() => IsLeader(a) || IsLeader(b), "one replica leads");
        var (leader, standby) = IsLeader(a) ? (a, b) : (b, a);

        // Exactly one leads, throughout.
        for (var i = 0; i < 20; i++)
        {
            Assert.True(IsLeader(a) ^ IsLeader(b), "exactly one replica leads");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        env.Create("team-a", "first", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "first", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitUntilAsync(() => env.Events("team-a", "first").Any(e => e.Reason == "Placed"), "the Placed event");
        var firstEvents = ReportingInstances(env, "team-a");
        var leaderName = Identity(leader);

        await env.StopWatcherAsync(leader);
        await env.WaitUntilAsync(() => IsLeader(standby), "the standby leads", TimeSpan.FromSeconds(10));
        env.Create("team-a", "second", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "second", s => KServeEnvironment.Status(s) == "Placed");
        await env.WaitUntilAsync(() => env.Events("team-a", "second").Any(e => e.Reason == "Placed"), "the Placed event");

        Assert.Equal([leaderName], firstEvents);
        Assert.Equal(Identity(standby), ReportingInstances(env, "team-a").Last());
        Assert.Equal(Identity(standby), env.Store.Get(FakeResourceType.Leases, "gpu-sharing", "gpu-sharing-kserve-watcher")["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_replica_takes_over_a_lease_whose_holder_died_once_it_expires()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        env.Store.Create(FakeResourceType.Leases, "gpu-sharing", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "gpu-sharing-kserve-watcher" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "crashed-replica", ["leaseDurationSeconds"] = 4, ["acquireTime"] = now, ["renewTime"] = now, ["leaseTransitions"] = 0 },
        });
        var started = DateTime.UtcNow;
        var watcher = await env.StartWatcherAsync("watcher-a");
        env.Create("team-a", "qwen", "Qwen/Qwen2.5-0.5B");

        // Two attempts to acquire (one per retry period, 0.5 s) find the dead holder's lease unexpired and leave it.
        var reads = env.Api.Requests("GET leases");
        await env.WaitUntilAsync(() => env.Api.Requests("GET leases") >= reads + 2, "two attempts to acquire the lease");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4), "the attempts were made before the lease expired");
        Assert.False(IsLeader(watcher));
        Assert.Null(KServeEnvironment.Status(env.Find("team-a", "qwen")!));
        await env.WaitForAsync("team-a", "qwen", s => KServeEnvironment.Status(s) == "Placed", TimeSpan.FromSeconds(20));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(4));
        Assert.True(IsLeader(watcher));
    }

    [Fact]
    public async Task A_watch_answered_with_HTTP_410_lists_again_and_misses_nothing()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:1"));
        var watcher = await env.StartWatcherAsync();
        env.Create("team-a", "before", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "before", s => KServeEnvironment.Status(s) == "Placed");
        var lists = env.Api.Requests("LIST inferenceservices");

        env.Api.AnswerExpiredWatchWithHttp410 = true; // the answer itself is 410, not an ERROR event in the stream
        env.Store.Compact();
        env.Api.DropWatches();
        env.Create("team-a", "after", "Qwen/Qwen2.5-0.5B");
        await env.WaitForAsync("team-a", "after", s => KServeEnvironment.Status(s) == "Placed");

        Assert.True(env.Api.Requests("LIST inferenceservices") > lists);
        Assert.True(watcher.Services.GetRequiredService<InferenceServiceCache>().Get("team-a/after") is not null);
    }

    [Fact]
    public async Task A_thousand_objects_created_changed_and_deleted_under_dropped_streams_and_a_410_converge_with_no_double_placement()
    {
        await using var env = await KServeEnvironment.StartAsync(("node-a", "MI300X:8"), ("node-b", "MI300X:8"), ("node-c", "MI300X:8"), ("node-d", "MI300X:8"));
        var watcher = await env.StartWatcherAsync(settings: new Dictionary<string, string?>
        {
            ["GpuSharing:KServe:ResyncPeriod"] = "01:00:00", // convergence must come from the watch, not a resync
            ["GpuSharing:KServe:ChangePollInterval"] = "00:00:00.200",
        });
        await env.WaitUntilAsync(() => watcher.Services.GetRequiredService<InferenceServiceCache>().Synced && env.Api.OpenWatches > 0, "the watcher watches");
        var random = new Random(20261127);
        var small = new Dictionary<string, string> { [SharingAnnotations.MaxModelLen] = "2048", [SharingAnnotations.MaxNumSeqs] = "1" };
        var names = Enumerable.Range(0, 1000).Select(i => ($"ns-{i % 5}", $"m{i:D4}")).ToList();
        var optedIn = new HashSet<(string, string)>();
        foreach (var (i, (ns, name)) in names.Index())
        {
            var opt = random.NextDouble() < 0.6;
            env.Create(ns, name, "Qwen/Qwen2.5-0.5B", small, optIn: opt);
            if (opt)
            {
                optedIn.Add((ns, name));
            }

            await DisruptAsync(env, i, 1000);
        }

        // Changes: a longer context for some, opting out and in, deletions (finalizers in play).
        var deleted = new HashSet<(string, string)>();
        foreach (var (i, key) in names.OrderBy(_ => random.Next()).Take(700).Index())
        {
            var (ns, name) = key;
            switch (i % 7)
            {
                case 0 or 1 or 2:
                    env.Store.Patch(FakeResourceType.InferenceServices, ns, name, o => JsonPatches.ApplyMerge(o, Annotations(SharingAnnotations.MaxModelLen, "1024")));
                    break;
                case 3:
                    env.Store.Patch(FakeResourceType.InferenceServices, ns, name, o => JsonPatches.ApplyMerge(o, Annotations(SharingAnnotations.GpuSharing, null)));
                    optedIn.Remove(key);
                    break;
                case 4:
                    env.Store.Patch(FakeResourceType.InferenceServices, ns, name, o => JsonPatches.ApplyMerge(o, Annotations(SharingAnnotations.GpuSharing, SharingAnnotations.Enabled)));
                    optedIn.Add(key);
                    break;
                default:
                    env.Store.Delete(FakeResourceType.InferenceServices, ns, name);
                    deleted.Add(key);
                    optedIn.Remove(key);
                    break;
            }

            await DisruptAsync(env, i, 700);
        }

        var expected = optedIn.Select(k => $"{k.Item1}/{k.Item2}").ToHashSet(StringComparer.Ordinal);
        var index = env.Hardware.Client.GetGrain<IModelIndexGrain>(Pools.Default);
        await env.WaitUntilAsync(
            async () =>
            {
                var listed = await index.ListAsync();
                return listed.ToHashSet(StringComparer.Ordinal).SetEquals(expected)
                    && deleted.All(k => env.Find(k.Item1, k.Item2) is null)
                    && optedIn.All(k => env.Find(k.Item1, k.Item2) is { } s && KServeEnvironment.Status(s) == "Placed" && KServeEnvironment.HasFinalizer(s));
            },
            "every object converges",
            TimeSpan.FromMinutes(3));

        // No double placement: each deployment holds exactly one reservation, of its current size; no partition over-committed.
        var reservations = new List<(string Deployment, long Bytes)>();
        foreach (var node in new[] { "node-a", "node-b", "node-c", "node-d" })
        {
            foreach (var gpu in (await env.Hardware.Node(node).GetAsync()).Gpus)
            {
                foreach (var partitionIndex in gpu.Partitions.Select(p => p.Index))
                {
                    // The partition grain itself: the node's view of it may lag (reports are one-way).
                    var partition = await env.Hardware.Partition(node, gpu.Index, partitionIndex).GetAsync();
                    Assert.True(partition.ReservedBytes <= partition.VramBytes, $"{node}/{gpu.Index}/{partition.Index} over-committed");
                    reservations.AddRange(partition.Reservations.Select(r => (r.Deployment, r.Bytes)));
                }
            }
        }

        var held = reservations.Select(r => r.Deployment).ToList();
        var missing = expected.Where(e => !held.Contains(e)).ToList();
        var extra = held.Where(h => !expected.Contains(h)).ToList();
        var dup = held.GroupBy(h => h).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var dump = new System.Text.StringBuilder();
        foreach (var m in missing.Concat(extra).Concat(dup).Take(5))
        {
            var v = await env.Hardware.Model(m).GetAsync();
            dump.Append(m).Append(": ").Append(v?.Status).Append(' ').Append(v?.Message).Append(" placements=").Append(string.Join(",", v?.Placements.Select(p => $"{p.Node}/{p.Gpu}/{p.FirstPartition} {p.ReservedBytes}") ?? [])).Append(" svc=").Append(env.Find(m.Split('/')[0], m.Split('/')[1])?["metadata"]?.ToJsonString()).AppendLine();
        }

        Assert.True(missing.Count == 0 && extra.Count == 0 && dup.Count == 0, $"missing {missing.Count}, extra {extra.Count}, dup {dup.Count}\n{dump}");
        Assert.Equal(expected.Order(StringComparer.Ordinal), reservations.Select(r => r.Deployment).Order(StringComparer.Ordinal));
        foreach (var key in expected.Take(100))
        {
            var model = await env.Hardware.Model(key).GetAsync();
            var service = env.Find(key[..key.IndexOf('/', StringComparison.Ordinal)], key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..])!;
            Assert.Equal(reservations.Single(r => r.Deployment == key).Bytes, model!.Placements.Single().ReservedBytes);
            Assert.Equal(int.Parse(KServeEnvironment.Annotation(service, SharingAnnotations.MaxModelLen)!, CultureInfo.InvariantCulture), model.Spec.MaxModelLen);
        }

        Assert.True(env.Api.Requests("LIST inferenceservices") >= 2, "the 410 made the watcher list again");
        Assert.True(env.Api.Requests("WATCH inferenceservices") >= 4, "dropped streams were watched again");
    }

    /// <summary>Paces the changes (so that the watcher sees them as a stream, not one list) and cuts the stream at a third, half (with a compaction: 410) and two thirds.</summary>
    private static async Task DisruptAsync(KServeEnvironment env, int i, int count)
    {
        if (i % 25 == 0)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        if (i == count / 3)
        {
            env.Api.DropWatches();
        }
        else if (i == count / 2)
        {
            env.Store.Compact(); // the resumed watch gets 410 Gone and the watcher lists again
            env.Api.DropWatches();
        }
        else if (i == 2 * count / 3)
        {
            env.Api.DropWatches();
        }
    }

    private static JsonObject Annotations(string name, string? value) =>
        new() { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [name] = value } } };

    private static bool IsLeader(IHost watcher) => watcher.Services.GetRequiredService<KServeWatcherStatus>().IsLeader;

    private static string Identity(IHost watcher) => watcher.Services.GetRequiredService<WatcherIdentity>().Name;

    private static List<string> ReportingInstances(KServeEnvironment env, string @namespace) =>
        [.. env.Store.List(FakeResourceType.Events, @namespace).Items
            .OrderBy(e => long.Parse(e["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture))
            .Select(e => e["reportingInstance"]!.GetValue<string>())
            .Distinct()];
}
