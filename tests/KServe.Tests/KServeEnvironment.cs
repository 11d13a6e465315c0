using System.Text.Json.Nodes;
using GpuSharing.Fakes.Kubernetes;
using GpuSharing.Gateway.KServe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GpuSharing.KServe.Tests;

/// <summary>
/// The FAKE Kubernetes API server, an in-process Orleans cluster of simulated GPU nodes, and watcher hosts (the
/// gateway's KServe services, as the gateway registers them) pointed at both.
/// </summary>
public sealed class KServeEnvironment : IAsyncDisposable
{
    private readonly List<IHost> _watchers = [];

    private KServeEnvironment(FakeKubernetesApiServer api, HardwareCluster hardware)
    {
        Api = api;
        Hardware = hardware;
    }

    public FakeKubernetesApiServer Api { get; }

    public HardwareCluster Hardware { get; }

    public FakeKubernetesStore Store => Api.Store;

    public static async Task<KServeEnvironment> StartAsync(params (string Node, string Gpus)[] nodes)
    {
        var api = await FakeKubernetesApiServer.StartAsync();
        api.BookmarkInterval = TimeSpan.FromMilliseconds(500);
        var hardware = await HardwareCluster.StartAsync(nodes.Length == 0 ? [("node-a", "MI300X:1")] : nodes);
        return new KServeEnvironment(api, hardware);
    }

    /// <summary>Starts a watcher replica; settings override the test defaults (short lease, fast rechecks).</summary>
    public async Task<IHost> StartWatcherAsync(string identity = "watcher-0", IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var defaults = new Dictionary<string, string?>
        {
            ["GpuSharing:KServe:Enabled"] = "true",
            ["GpuSharing:KServe:ApiServer"] = Api.Url,
            ["GpuSharing:KServe:Identity"] = identity,
            ["GpuSharing:KServe:LeaseNamespace"] = "gpu-sharing",
            ["GpuSharing:KServe:LeaseDuration"] = "00:00:03",
            ["GpuSharing:KServe:RenewDeadline"] = "00:00:02",
            ["GpuSharing:KServe:RetryPeriod"] = "00:00:00.500",
            ["GpuSharing:KServe:PendingRecheck"] = "00:00:00.300",
            ["GpuSharing:KServe:WatchTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(defaults);
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("GPU_SHARING_TEST_LOG") is { Length: > 0 } log)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(log)).SetMinimumLevel(LogLevel.Debug);
        }

        builder.Services.AddSingleton(Hardware.Client);
        builder.Services.AddSingleton<IGrainFactory>(Hardware.Client);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKServeWatcher();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        _watchers.Add(host);
        return host;
    }

    public async Task StopWatcherAsync(IHost watcher)
    {
        await watcher.StopAsync(CancellationToken.None);
        watcher.Dispose();
        _watchers.Remove(watcher);
    }

    /// <summary>Creates an InferenceService of a catalog model with the given annotations (opted in unless told otherwise).</summary>
    public JsonObject Create(string @namespace, string name, string model, IReadOnlyDictionary<string, string>? annotations = null, bool optIn = true, JsonObject? predictorExtras = null)
    {
        var all = new JsonObject();
        if (optIn)
        {
            all[SharingAnnotations.GpuSharing] = SharingAnnotations.Enabled;
        }

        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var predictor = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["modelFormat"] = new JsonObject { ["name"] = "huggingface" },
                ["args"] = new JsonArray("--model_name=" + name),
                ["storageUri"] = "hf://" + model,
            },
        };
        foreach (var (key, value) in predictorExtras ?? [])
        {
            predictor[key] = value?.DeepClone();
        }

        return Store.Create(FakeResourceType.InferenceServices, @namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = all },
            ["spec"] = new JsonObject { ["predictor"] = predictor },
        });
    }

    public JsonObject? Find(string @namespace, string name) => Store.Find(FakeResourceType.InferenceServices, @namespace, name);

    /// <summary>Creates an LLMInferenceService as KServe's examples write one (a model URI and name, a template with a <c>main</c> container), opted in.</summary>
    public JsonObject CreateLlm(string @namespace, string name, string model, IReadOnlyDictionary<string, string>? annotations = null, JsonObject? specExtras = null)
    {
        var all = new JsonObject { [SharingAnnotations.GpuSharing] = SharingAnnotations.Enabled };
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var spec = new JsonObject
        {
            ["model"] = new JsonObject { ["uri"] = "hf://" + model, ["name"] = model },
            ["router"] = new JsonObject { ["scheduler"] = new JsonObject(), ["route"] = new JsonObject(), ["gateway"] = new JsonObject() },
            ["template"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "main",
                    ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "4", ["memory"] = "32Gi", ["nvidia.com/gpu"] = "1" } },
                }),
            },
        };
        foreach (var (key, value) in specExtras ?? [])
        {
            spec[key] = value?.DeepClone();
        }

        return Store.Create(FakeResourceType.LlmInferenceServices, @namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = all },
            ["spec"] = spec,
        });
    }

    /// <summary>Polls an object of any kind in the fake API server until <paramref name="condition"/> holds.</summary>
    public async Task<JsonObject> WaitForAsync(FakeResourceType type, string @namespace, string name, Func<JsonObject, bool> condition, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            _ => Task.FromResult(Store.Find(type, @namespace, name)),
            last => last is not null && condition(last),
            timeout ?? TimeSpan.FromSeconds(30),
            last => $"{type.Kind} {@namespace}/{name} never matched; last: {last?.ToJsonString()}",
            cancellationToken: TestContext.Current.CancellationToken))!;

    /// <summary>Polls the object in the fake API server until <paramref name="condition"/> holds.</summary>
    public async Task<JsonObject> WaitForAsync(string @namespace, string name, Func<JsonObject, bool> condition, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(
            _ => Task.FromResult(Find(@namespace, name)),
            last => last is not null && condition(last),
            timeout ?? TimeSpan.FromSeconds(30),
            last => $"{@namespace}/{name} never matched; last: {last?.ToJsonString()}",
            cancellationToken: TestContext.Current.CancellationToken))!;

    /// <summary>
    /// Waits until the watcher has done <paramref name="count"/> more periodic resyncs and reconciled what the last one
    /// queued: evidence that the resync ran, where a fixed sleep only hopes it did.
    /// </summary>
    public async Task WaitForResyncsAsync(IHost watcher, int count)
    {
        var status = watcher.Services.GetRequiredService<KServeWatcherStatus>();
        var queue = watcher.Services.GetRequiredService<ReconcileQueue>();
        var target = status.Resyncs + count;
        await WaitUntilAsync(() => status.Resyncs >= target, $"{count} periodic resync(s)");
        var reconciles = status.Reconciles;
        await WaitUntilAsync(() => status.Reconciles > reconciles && queue.Pending == 0, "the resync's reconciles");
    }

    public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    public Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(_ => condition(), met => met, timeout ?? TimeSpan.FromSeconds(30), _ => $"Never: {what}", cancellationToken: TestContext.Current.CancellationToken);

    public static string? Annotation(JsonObject service, string name) => service["metadata"]?["annotations"]?[name]?.GetValue<string>();

    public static string? Status(JsonObject service) => Annotation(service, SharingAnnotations.PlacementStatus);

    public static bool HasFinalizer(JsonObject service) =>
        service["metadata"]?["finalizers"] is JsonArray finalizers && finalizers.Any(f => f?.GetValue<string>() == SharingAnnotations.Finalizer);

    /// <summary>The Events recorded on an object, oldest first.</summary>
    public IReadOnlyList<(string Type, string Reason, string Message)> Events(string @namespace, string name) =>
        [.. Store.List(FakeResourceType.Events, @namespace).Items
            .Where(e => e["involvedObject"]?["name"]?.GetValue<string>() == name)
            .OrderBy(e => long.Parse(e["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))
            .Select(e => (e["type"]!.GetValue<string>(), e["reason"]!.GetValue<string>(), e["message"]!.GetValue<string>()))];

    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers.ToList())
        {
            await StopWatcherAsync(watcher);
        }

        await Hardware.DisposeAsync();
        await Api.DisposeAsync();
    }
}
