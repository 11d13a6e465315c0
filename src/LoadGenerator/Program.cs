using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.LoadGenerator;

var server = new Option<string>("--server") { Description = "The gateway's base URL.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
var traceFile = new Option<FileInfo>("--trace") { Description = "An Azure LLM inference trace (CSV), e.g. ../shared/fixtures/traces/AzureLLMInferenceTrace_conv.csv.", Required = true };
var speed = new Option<double>("--speed") { Description = "Speed-up: 2 sends the trace at twice its rate.", DefaultValueFactory = _ => 1.0 };
var duration = new Option<double>("--duration") { Description = "Replay this many seconds of the trace (after the speed-up).", DefaultValueFactory = _ => 60.0 };
var deployments = new Option<string?>("--deployments") { Description = "namespace/name[=weight],… (default: every routable deployment, equal weights)." };
var classes = new Option<string?>("--classes") { Description = "high=weight,medium=weight,low=weight: each request draws its class (X-Request-Priority); default: its deployment's priority." };
var seed = new Option<int>("--seed") { Description = "Seeds the mix: the same seed sends the same requests to the same deployments.", DefaultValueFactory = _ => 1 };
var maxPrompt = new Option<int>("--max-prompt-tokens") { Description = "Caps each prompt.", DefaultValueFactory = _ => 4096 };
var maxOutput = new Option<int>("--max-output-tokens") { Description = "Caps each answer.", DefaultValueFactory = _ => 512 };
var token = new Option<string?>("--token") { Description = "Bearer token, when the gateway requires one (default: GPUSHARE_TOKEN)." };

var root = new RootCommand("Replays an LLM request trace against the gateway's OpenAI routes and prints what each deployment and class got.")
{
    server, traceFile, speed, duration, deployments, classes, seed, maxPrompt, maxOutput, token,
};
root.SetAction(async (result, cancellationToken) =>
{
    if (!Uri.TryCreate(result.GetValue(server), UriKind.Absolute, out var gateway) || gateway.Scheme is not ("http" or "https"))
    {
        Console.Error.WriteLine($"--server must be an http(s) URL, not '{result.GetValue(server)}'.");
        return 2;
    }

    using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromMinutes(10) };
    if ((result.GetValue(token) ?? Environment.GetEnvironmentVariable("GPUSHARE_TOKEN")) is { Length: > 0 } bearer)
    {
        http.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
    }

    var routable = JsonNode.Parse(await http.GetStringAsync("/v1/models", cancellationToken))!["data"]!.AsArray()
        .ToDictionary(m => m!["id"]!.GetValue<string>(), m => m!["priority"]?.GetValue<string>() ?? "medium", StringComparer.Ordinal);
    var mix = new List<(string Deployment, string Priority, double Weight)>();
    foreach (var entry in (result.GetValue(deployments) ?? string.Join(',', routable.Keys)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var parts = entry.Split('=');
        if (!routable.TryGetValue(parts[0], out var priority))
        {
            Console.Error.WriteLine($"{parts[0]} is not routable (GET /v1/models lists: {string.Join(", ", routable.Keys)}).");
            return 2;
        }

        mix.Add((parts[0], priority, parts.Length > 1 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : 1.0));
    }

    if (mix.Count == 0)
    {
        Console.Error.WriteLine("No deployment is routable: PUT one with /api/v1/models and wait until /v1/models lists it.");
        return 2;
    }

    var classMix = new List<(string Class, double Weight)>();
    foreach (var entry in (result.GetValue(classes) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var parts = entry.Split('=');
        if (parts[0] is not ("high" or "medium" or "low") || parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight < 0)
        {
            Console.Error.WriteLine($"--classes takes high=weight,medium=weight,low=weight, not '{entry}'.");
            return 2;
        }

        classMix.Add((parts[0], weight));
    }

    var rate = result.GetValue(speed);
    var window = TimeSpan.FromSeconds(result.GetValue(duration) * rate);
    var trace = TraceReader.Read(result.GetValue(traceFile)!.FullName).Where(r => r.Offset <= window).ToList();
    Console.WriteLine($"Replaying {trace.Count} requests ({window.TotalSeconds:0} s of the trace at {rate}×) over {mix.Count} deployment(s)…");
    var clock = TimeProvider.System.GetTimestamp();
    var outcomes = await new LoadRunner(http, TimeProvider.System).RunAsync(trace, mix, rate, result.GetValue(seed), result.GetValue(maxPrompt), result.GetValue(maxOutput), cancellationToken, classMix.Count > 0 ? classMix : null);
    var elapsed = TimeProvider.System.GetElapsedTime(clock);

    var targets = new Dictionary<string, SloTargets>(StringComparer.Ordinal);
    foreach (var (deployment, _, _) in mix.DistinctBy(m => m.Deployment))
    {
        var slo = JsonNode.Parse(await http.GetStringAsync($"/api/v1/slo/{deployment}", cancellationToken))!;
        targets[deployment] = new SloTargets(slo["targets"]?["ttftMs"]?.GetValue<double>(), slo["targets"]?["tpotMs"]?.GetValue<double>());
    }

    Console.WriteLine($"Done in {elapsed.TotalSeconds:0.0} s.");
    Console.Write(LoadReport.ToMarkdown(LoadReport.Summarize(outcomes, targets, elapsed)));
    return 0;
});
return await root.Parse(args).InvokeAsync();
