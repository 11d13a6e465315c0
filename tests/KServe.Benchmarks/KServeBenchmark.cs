using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.Apis;
using GpuSharing.Gateway.Configuration;
using GpuSharing.Gateway.KServe;
using GpuSharing.Gateway.Security;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GpuSharing.KServe.Benchmarks;

/// <summary>
/// The same deployments three ways on one in-process cluster of simulated MI300X nodes: through PUT /api/v1/models
/// (the baseline), then as InferenceServices through the watcher from a cold start to placed and written back, then a
/// no-change resync (a relist of every object after a 410).
/// </summary>
public static class KServeBenchmark
{
    private const int Concurrency = 16;

    public static async Task<int> RunAsync(int count)
    {
        // Qwen2.5-0.5B, 2048 tokens × 1 sequence: 6.4 GB with the engine reserve, 29 to an MI300X.
        var gpus = (int)Math.Ceiling(count / 28.0 * 1.05);
        var nodes = (int)Math.Ceiling(gpus / 64.0);
        Console.WriteLine($"KServe watcher benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}; {count} deployments (Qwen2.5-0.5B, 2048 × 1), {nodes} simulated nodes × 64 MI300X");
        var started = Stopwatch.StartNew();
        await using var hardware = await HardwareCluster.StartAsync(TimeSpan.FromMilliseconds(1), null, [.. Enumerable.Range(0, nodes).Select(n => ($"bench-{n}", "MI300X:64", "Linux Baremetal"))]);
        Console.WriteLine($"cluster up in {started.Elapsed.TotalSeconds:0.0} s");

        var put = await PutAsync(hardware, count);
        await DeleteAllAsync(hardware);

        await using var api = await FakeKubernetesApiServer.StartAsync();
        api.BookmarkInterval = TimeSpan.FromSeconds(5);
        for (var i = 0; i < count; i++)
        {
            api.Store.Create(FakeResourceType.InferenceServices, Namespace(i), Service(Name(i)));
        }

        using var watcher = await StartWatcherAsync(hardware, api);
        var status = watcher.Services.GetRequiredService<KServeWatcherStatus>();
        var clock = Stopwatch.StartNew();
        await WaitAsync(() => PlacedCount(api) == count, TimeSpan.FromMinutes(20));
        var cold = clock.Elapsed;
        await WaitQuietAsync(api, status, watcher.Services.GetRequiredService<ReconcileQueue>());
        var writesAfterCold = api.Writes("inferenceservices");
        var reconcilesBefore = status.Reconciles;

        // A no-change resync: the history is compacted and every stream cut, so the watcher lists all objects again
        // and reconciles each one.
        var listsBefore = status.Lists;
        clock.Restart();
        api.Store.Compact();
        api.DropWatches();
        await WaitAsync(() => status.Lists > listsBefore && status.Reconciles - reconcilesBefore >= count && watcher.Services.GetRequiredService<ReconcileQueue>().Pending == 0, TimeSpan.FromMinutes(10));
        var resync = clock.Elapsed;
        var resyncWrites = api.Writes("inferenceservices") - writesAfterCold;

        Console.WriteLine();
        Console.WriteLine("| path | deployments | wall s | per second | writes to the API server |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine(Row("PUT /api/v1/models (baseline, 16 concurrent)", count, put, "—"));
        Console.WriteLine(Row("InferenceServices, cold start → placed and written back", count, cold, writesAfterCold.ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("no-change resync: every object listed again after a 410 and reconciled", count, resync, resyncWrites.ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine();
        var rate = count / cold.TotalSeconds;
        var targets = new[]
        {
            (rate >= 200, $"cold start ≥ 200 InferenceServices/s through the test API server: {rate:0} /s ({rate / (count / put.TotalSeconds):0.00} × the PUT baseline)"),
            (resyncWrites == 0, $"a no-change resync of {count} writes nothing: {resyncWrites} writes"),
        };
        foreach (var (pass, text) in targets)
        {
            Console.WriteLine($"{(pass ? "PASS" : "FAIL")}  {text}");
        }

        await watcher.StopAsync();
        return targets.All(t => t.Item1) ? 0 : 1;
    }

    private static async Task<TimeSpan> PutAsync(HardwareCluster hardware, int count)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(hardware.Client);
        builder.Services.AddOptions<GatewayOptions>();
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthorizationBuilder().AddPolicy(AuthorizationPolicies.Operator, p => p.RequireAssertion(_ => true));
        await using var app = builder.Build();
        app.UseAuthorization();
        app.MapModelApi();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, ct) =>
        {
            using var response = await http.PutAsJsonAsync($"/api/v1/models/{Namespace(i)}/{Name(i)}", new { model = "Qwen/Qwen2.5-0.5B", maxModelLen = 2048, maxNumSeqs = 1 }, ct);
            response.EnsureSuccessStatusCode();
        });
        var elapsed = clock.Elapsed;
        var placed = 0;
        for (var i = 0; i < count; i++)
        {
            placed += (await hardware.Model($"{Namespace(i)}/{Name(i)}").GetAsync())?.Status == ModelStatus.Placed ? 1 : 0;
        }

        if (placed != count)
        {
            throw new InvalidOperationException($"The PUT baseline placed {placed} of {count}.");
        }

        await app.StopAsync();
        return elapsed;
    }

    private static async Task DeleteAllAsync(HardwareCluster hardware)
    {
        var keys = await hardware.Client.GetGrain<IModelIndexGrain>(Pools.Default).ListAsync();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (key, ct) =>
        {
            // Deleted as its owner (the REST API's deployments have none): anything left would skew the next phase.
            var model = hardware.Model(key);
            var owner = (await model.GetAsync())?.Spec.ManagedBy;
            if (await model.DeleteAsync(owner, ct) == DeleteOutcome.ManagedElsewhere)
            {
                throw new InvalidOperationException($"{key} was not deleted: it is managed elsewhere.");
            }
        });
    }

    private static async Task<IHost> StartWatcherAsync(HardwareCluster hardware, FakeKubernetesApiServer api)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GpuSharing:KServe:Enabled"] = "true",
            ["GpuSharing:KServe:ApiServer"] = api.Url,
            ["GpuSharing:KServe:Identity"] = "benchmark",
            ["GpuSharing:KServe:Workers"] = Concurrency.ToString(CultureInfo.InvariantCulture),
            ["GpuSharing:KServe:ResyncPeriod"] = "01:00:00",
            ["GpuSharing:KServe:PendingRecheck"] = "00:00:01",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(hardware.Client);
        builder.Services.AddSingleton<IGrainFactory>(hardware.Client);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKServeWatcher();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static JsonObject Service(string name) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["annotations"] = new JsonObject
            {
                [SharingAnnotations.GpuSharing] = SharingAnnotations.Enabled,
                [SharingAnnotations.MaxModelLen] = "2048",
                [SharingAnnotations.MaxNumSeqs] = "1",
            },
        },
        ["spec"] = new JsonObject
        {
            ["predictor"] = new JsonObject
            {
                ["model"] = new JsonObject
                {
                    ["modelFormat"] = new JsonObject { ["name"] = "huggingface" },
                    ["storageUri"] = "hf://Qwen/Qwen2.5-0.5B",
                },
            },
        },
    };

    private static int PlacedCount(FakeKubernetesApiServer api) =>
        api.Store.List(FakeResourceType.InferenceServices, null).Items.Count(s => s["metadata"]?["annotations"]?[SharingAnnotations.PlacementStatus]?.GetValue<string>() == "Placed");

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The benchmark did not converge.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Until the cold start's tail (the watch events of its own writes, the change feed) is reconciled too.</summary>
    private static async Task WaitQuietAsync(FakeKubernetesApiServer api, KServeWatcherStatus status, ReconcileQueue queue)
    {
        (int Writes, long Reconciles) last = (-1, -1);
        while (last != (api.Writes("inferenceservices"), status.Reconciles) || queue.Pending > 0)
        {
            last = (api.Writes("inferenceservices"), status.Reconciles);
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static string Row(string path, int count, TimeSpan elapsed, string writes) =>
        string.Create(CultureInfo.InvariantCulture, $"| {path} | {count} | {elapsed.TotalSeconds:0.00} | {count / elapsed.TotalSeconds:0} | {writes} |");

    private static string Namespace(int i) => $"team-{i % 20:D2}";

    private static string Name(int i) => $"m{i:D5}";
}
