using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GpuSharing.Grains.Interfaces.Fleet;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Serving;
using GpuSharing.InferenceSimulator;
using GpuSharing.LoadGenerator;
using GpuSharing.TestSupport;

namespace GpuSharing.Benchmarks.Serving;

/// <summary>
/// The serving benchmark of issue 10, on the product running in this process with SIMULATED inference servers:
/// (1) one MI300X in CPX with eight deployments of three priorities, a trace replayed at 1×, 2×, 4× with admission by
/// priority and through a plain proxy (the baseline); (2) the gateway's added latency at 500 requests/s against
/// calling the simulated server directly (the baseline); (3) goodput per GPU, the eight deployments packed on one GPU
/// against one deployment per GPU (the baseline). Every figure is printed beside its baseline from the same run.
/// </summary>
public static class ServingBenchmark
{
    private const string Namespace = "bench";
    private const int MaxNumSeqs = 8;
    private const int TtftTargetMs = 2000;
    private const int TpotTargetMs = 150;
    private const int MaxPromptTokens = 3000;
    private const int MaxOutputTokens = 512;
    private const int Seed = 7;

    private static readonly (string Name, string Priority)[] Deployments =
        [("chat-1", "high"), ("chat-2", "high"), ("chat-3", "medium"), ("chat-4", "medium"), ("chat-5", "medium"), ("chat-6", "low"), ("chat-7", "low"), ("chat-8", "low")];

    private static readonly (string Class, double Weight)[] ClassMix = [("high", 0.1), ("medium", 0.3), ("low", 0.6)];

    public static async Task<bool> RunAsync(TextWriter output, bool quick)
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(quick ? 15 : 45));
        var cancellationToken = budget.Token;
        var traceFile = Fixtures.PathOf("traces", "AzureLLMInferenceTrace_conv.csv");
        var trace = TraceReader.Read(traceFile);
        var window = TimeSpan.FromSeconds(quick ? 15 : 40);
        double[] speeds = quick ? [1, 4] : [1, 2, 4];
        var targets = new SloTargets(TtftTargetMs, TpotTargetMs);
        var mix = Deployments.Select(d => ($"{Namespace}/{d.Name}", d.Priority, 1.0)).ToList();

        output.WriteLine($"# Serving benchmark{(quick ? " (quick)" : string.Empty)} — SIMULATED inference servers (the README states their timing model)");
        output.WriteLine();
        output.WriteLine($"Trace: {Path.GetFileName(traceFile)}, the first {window.TotalSeconds:0} s of wall time at each speed-up; prompts ≤ {MaxPromptTokens} tokens, answers ≤ {MaxOutputTokens}.");
        output.WriteLine($"Eight deployments (qwen2.5-7b, BF16, --max-num-seqs {MaxNumSeqs}; two high, three medium, three low) on one MI300X in CPX; SLO: TTFT ≤ {TtftTargetMs} ms and TPOT ≤ {TpotTargetMs} ms.");
        output.WriteLine($"Each request draws its deployment (equal weights) and its class (high 10 %, medium 30 %, low 60 %, sent as X-Request-Priority) from seed {Seed}.");
        output.WriteLine("With admission the gateway orders, sheds and keeps headroom by class and passes the class on as vLLM's priority (the simulated servers preempt as vLLM's priority scheduling does); the plain proxy forwards at once and sends no priority.");
        output.WriteLine();

        await using var stack = await ServingStack.StartAsync("MI300X:1", cancellationToken);
        using var admin = new HttpClient { BaseAddress = stack.Admitting, Timeout = TimeSpan.FromMinutes(5) };
        await PlaceAsync(admin, output, cancellationToken);
        await RoutableAsync(stack.Admitting, Deployments.Length, cancellationToken);
        await RoutableAsync(stack.Plain, Deployments.Length, cancellationToken);

        // (1) Admission by priority against a plain proxy, same trace, same seed, same servers.
        output.WriteLine("## 1. Admission by priority (baseline: the same gateway as a plain proxy)");
        output.WriteLine();
        output.WriteLine("| speed | class | requests | admission: shed | TTFT p99 ms | TTFT attainment | SLO attainment | plain proxy: TTFT p99 ms | TTFT attainment | SLO attainment |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var packedGoodput = new Dictionary<double, double>();
        var highHeld = true;
        foreach (var speed in speeds)
        {
            var slice = Slice(trace, window, speed);
            var admitted = await ReplayAsync(stack.Admitting, slice, mix, speed, cancellationToken);
            var plain = await ReplayAsync(stack.Plain, slice, mix, speed, cancellationToken);
            var withAdmission = ClassFigures.Of(admitted.Outcomes, targets, admitted.Elapsed);
            var withoutAdmission = ClassFigures.Of(plain.Outcomes, targets, plain.Elapsed);
            packedGoodput[speed] = admitted.Outcomes.Count(targets.Met) / window.TotalSeconds;
            foreach (var (a, p) in withAdmission.Zip(withoutAdmission))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {speed}× | {a.Class} | {a.Requests} | {a.Shed} | {Ms(a.TtftP99Ms)} | {a.TtftAttainment:0.0%} | {a.SloAttainment:0.0%} | {Ms(p.TtftP99Ms)} | {p.TtftAttainment:0.0%} | {p.SloAttainment:0.0%} |"));
            }

            highHeld &= speed < 4 || withAdmission[0].TtftAttainment >= 0.99;
        }

        output.WriteLine();
        output.WriteLine($"High keeps ≥ 99 % TTFT attainment at 4× with admission: {(highHeld ? "yes" : "NO")}.");
        output.WriteLine();

        // (2) Gateway overhead at 500 requests/s.
        var overheadHeld = await OverheadAsync(stack, output, quick, cancellationToken);

        // (3) Goodput per GPU: packed (the admitting gateway's runs above) against one deployment per GPU.
        await GoodputAsync(stack, output, trace, window, speeds, mix, targets, packedGoodput, cancellationToken);
        return highHeld && overheadHeld;
    }

    private static async Task PlaceAsync(HttpClient admin, TextWriter output, CancellationToken cancellationToken)
    {
        await Eventually.UntilAsync(
            async ct => await admin.GetStringAsync("/api/v1/gpus", ct),
            body => body.Contains("\"computeMode\":\"SPX\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            body => $"the silo never registered its GPU: {body}",
            cancellationToken: cancellationToken);
        using (var repartition = await admin.PutAsJsonAsync($"/api/v1/gpus/{ServingStack.Node}/0/partitioning", new { computeMode = "CPX" }, cancellationToken))
        {
            Require(repartition.StatusCode == HttpStatusCode.Accepted, $"repartitioning to CPX answered {(int)repartition.StatusCode}");
        }

        await Eventually.UntilAsync(
            async ct => JsonNode.Parse(await admin.GetStringAsync($"/api/v1/gpus/{ServingStack.Node}/0", ct))!,
            gpu => gpu["computeMode"]?.GetValue<string>() == "CPX" && gpu["operation"]?["state"]?.GetValue<string>() is null or "Succeeded",
            TimeSpan.FromSeconds(60),
            gpu => $"the GPU never reached CPX: {gpu}",
            cancellationToken: cancellationToken);

        foreach (var (name, priority) in Deployments)
        {
            var spec = new JsonObject
            {
                ["model"] = "qwen2.5-7b",
                ["priority"] = priority,
                ["isolation"] = "exclusive",
                ["maxModelLen"] = 4096,
                ["maxNumSeqs"] = MaxNumSeqs,
                ["slo"] = new JsonObject { ["ttftMs"] = TtftTargetMs, ["tpotMs"] = TpotTargetMs, ["target"] = 0.99 },
            };
            using var put = await admin.PutAsync($"/api/v1/models/{Namespace}/{name}", JsonContent.Create(spec), cancellationToken);
            Require(put.IsSuccessStatusCode, $"PUT {name} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var places = await Eventually.UntilAsync(
            async ct => JsonNode.Parse(await admin.GetStringAsync($"/api/v1/models/{Namespace}", ct))!.AsArray(),
            models => models.Count == Deployments.Length && models.All(m => m!["status"]?.GetValue<string>() == "Placed"),
            TimeSpan.FromSeconds(120),
            models => $"not every deployment was placed: {models}",
            cancellationToken: cancellationToken);
        var where = places.Select(m => $"{m!["name"]}→{m["placements"]![0]!["gpu"]}/{m["placements"]![0]!["partition"]} ({SequenceLimit(m)} seqs)");
        output.WriteLine($"Placed: {string.Join(", ", where)}.");
        output.WriteLine();
    }

    private static async Task RoutableAsync(Uri gateway, int count, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        await Eventually.UntilAsync(
            async ct => JsonNode.Parse(await http.GetStringAsync("/v1/models", ct))!["data"]!.AsArray().Count,
            routable => routable >= count,
            TimeSpan.FromSeconds(60),
            routable => $"only {routable} deployment(s) became routable at {gateway}",
            cancellationToken: cancellationToken);
    }

    private static List<TraceRequest> Slice(IReadOnlyList<TraceRequest> trace, TimeSpan window, double speed) =>
        [.. trace.Where(r => r.Offset <= window * speed)];

    private static async Task<(IReadOnlyList<RequestOutcome> Outcomes, TimeSpan Elapsed)> ReplayAsync(
        Uri gateway, IReadOnlyList<TraceRequest> slice, IReadOnlyList<(string, string, double)> mix, double speed, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromMinutes(10) };
        return await ReplayAsync(http, slice, mix, speed, cancellationToken);
    }

    private static async Task<(IReadOnlyList<RequestOutcome> Outcomes, TimeSpan Elapsed)> ReplayAsync(
        HttpClient http, IReadOnlyList<TraceRequest> slice, IReadOnlyList<(string, string, double)> mix, double speed, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var outcomes = await new LoadRunner(http, TimeProvider.System).RunAsync(slice, mix, speed, Seed, MaxPromptTokens, MaxOutputTokens, cancellationToken, ClassMix);
        return (outcomes, TimeProvider.System.GetElapsedTime(started));
    }

    private static async Task<bool> OverheadAsync(ServingStack stack, TextWriter output, bool quick, CancellationToken cancellationToken)
    {
        const double rate = 500;
        var phase = TimeSpan.FromSeconds(quick ? 4 : 10);
        var load = new PartitionLoad();
        var model = new SimulatedModel("probe", 1_000_000, 0.001, false, AcceleratorSpec.Mi300X, 1.0, 4096, $"{ServingStack.Node}/probe");
        await using var server = await SimulatedInferenceServer.StartAsync(model, load, TimeProvider.System, cancellationToken: cancellationToken);
        var directory = stack.Grains.GetGrain<IEndpointDirectoryGrain>(Pools.Default);
        var endpoint = new ReplicaEndpoint($"{Namespace}/probe", 0, ServingStack.Node, server.Url.GetLeftPart(UriPartial.Authority), "probe", Priority.High, 4096, "declared");
        await directory.ReportAsync("benchmark:probe", [endpoint], cancellationToken);
        await RoutableAsync(stack.Admitting, Deployments.Length + 1, cancellationToken);

        using var direct = new HttpClient { BaseAddress = server.Url };
        using var gateway = new HttpClient { BaseAddress = stack.Admitting };
        var phases = new List<OverheadProbe.Phase>();
        foreach (var stream in new[] { true, false })
        {
            // Warm both paths (connections, JIT) before measuring, then alternate direct and gateway phases twice.
            await OverheadProbe.RunAsync(direct, "direct", "probe", stream, rate, TimeSpan.FromSeconds(1), cancellationToken);
            await OverheadProbe.RunAsync(gateway, "gateway", $"{Namespace}/probe", stream, rate, TimeSpan.FromSeconds(1), cancellationToken);
            for (var round = 0; round < 2; round++)
            {
                await directory.ReportAsync("benchmark:probe", [endpoint], cancellationToken); // within the directory's expiry
                phases.Add(await OverheadProbe.RunAsync(direct, "direct", "probe", stream, rate, phase, cancellationToken));
                phases.Add(await OverheadProbe.RunAsync(gateway, "gateway", $"{Namespace}/probe", stream, rate, phase, cancellationToken));
            }
        }

        await directory.ReportAsync("benchmark:probe", [], cancellationToken);
        output.WriteLine($"## 2. Gateway overhead at {rate:0} requests/s (baseline: the simulated server called directly)");
        output.WriteLine();
        output.WriteLine("| request | path | sent | failed | achieved /s | p50 ms | p99 ms |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var p in phases)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {(p.Stream ? "streaming, to first token" : "whole, to last byte")} | {p.Path} | {p.Sent} | {p.Failed} | {p.AchievedRate:0} | {p.P50Ms:0.00} | {p.P99Ms:0.00} |"));
        }

        double Median(bool stream, string path, Func<OverheadProbe.Phase, double> figure) =>
            phases.Where(p => p.Stream == stream && p.Path == path).Select(figure).Order().First();
        var addedTtft = Median(true, "gateway", p => p.P50Ms) - Median(true, "direct", p => p.P50Ms);
        var addedP99 = Median(false, "gateway", p => p.P99Ms) - Median(false, "direct", p => p.P99Ms);
        var failed = phases.Sum(p => p.Failed);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Added by the gateway (best round of each): median time to first token {addedTtft:+0.00;-0.00} ms (aim ≤ 1 ms), p99 of a whole request {addedP99:+0.00;-0.00} ms (aim ≤ 2 ms); {failed} failed."));
        output.WriteLine();
        return failed == 0;
    }

    private static async Task GoodputAsync(
        ServingStack stack,
        TextWriter output,
        IReadOnlyList<TraceRequest> trace,
        TimeSpan window,
        double[] speeds,
        IReadOnlyList<(string, string, double)> mix,
        SloTargets targets,
        Dictionary<double, double> packedGoodput,
        CancellationToken cancellationToken)
    {
        // One deployment per GPU: the same deployments, each alone on a whole MI300X (SPX), called directly.
        var load = new PartitionLoad();
        var servers = new List<SimulatedInferenceServer>();
        var routes = new Dictionary<string, (Uri, string)>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, _) in Deployments)
            {
                var view = await stack.Grains.GetGrain<IModelGrain>($"{Namespace}/{name}").GetAsync().WaitAsync(cancellationToken);
                var model = new SimulatedModel(name, view!.Sizing!.WeightsBytes, view.Sizing.Architecture.ParametersBillions, false, AcceleratorSpec.Mi300X, 1.0, MaxNumSeqs, $"dedicated/{name}");
                var server = await SimulatedInferenceServer.StartAsync(model, load, TimeProvider.System, cancellationToken: cancellationToken);
                servers.Add(server);
                routes[$"{Namespace}/{name}"] = (server.Url, name);
            }

            output.WriteLine("## 3. Goodput per GPU (baseline: one deployment per GPU, each alone on an SPX MI300X)");
            output.WriteLine();
            output.WriteLine("| speed | packed: GPUs | requests meeting SLO /s | per GPU | one per GPU: GPUs | requests meeting SLO /s | per GPU | packed ÷ one per GPU |");
            output.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach (var speed in speeds)
            {
                using var http = new HttpClient(new DirectRouter(routes)) { BaseAddress = new Uri("http://direct.invalid"), Timeout = TimeSpan.FromMinutes(10) };
                var dedicated = await ReplayAsync(http, Slice(trace, window, speed), mix, speed, cancellationToken);
                var dedicatedGoodput = dedicated.Outcomes.Count(targets.Met) / window.TotalSeconds;
                var packed = packedGoodput[speed];
                var gpus = Deployments.Length;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {speed}× | 1 | {packed:0.00} | {packed:0.00} | {gpus} | {dedicatedGoodput:0.00} | {dedicatedGoodput / gpus:0.00} | {packed / Math.Max(dedicatedGoodput / gpus, 1e-9):0.0}× |"));
            }

            output.WriteLine();
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>The <c>--max-num-seqs</c> the binding gives the replica (its KV cache may hold fewer than asked).</summary>
    private static string SequenceLimit(JsonNode model)
    {
        var arguments = model["binding"]?["vllmArguments"]?.AsArray().Select(a => a!.GetValue<string>()).ToList() ?? [];
        var at = arguments.IndexOf("--max-num-seqs");
        return at >= 0 && at + 1 < arguments.Count ? arguments[at + 1] : "?";
    }

    private static string Ms(double? value) => value?.ToString("0", CultureInfo.InvariantCulture) ?? "—";

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
