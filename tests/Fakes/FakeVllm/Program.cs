using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.InferenceSimulator;

// A FAKE `vllm serve MODEL --port P --served-model-name NAME [--max-num-seqs N] …`: records how it was started, then
// serves as the simulator until it is killed (or until FAKE_VLLM_EXIT_AFTER_MS, then exit code 3).
if (args.Length < 2 || args[0] != "serve")
{
    Console.Error.WriteLine("usage: vllm serve MODEL [--host H] [--port P] [--served-model-name NAME] [--max-num-seqs N] …");
    return 2;
}

string? Flag(string name) => Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;

var port = int.Parse(Flag("--port") ?? "8000", CultureInfo.InvariantCulture);
var served = Flag("--served-model-name") ?? args[1];
var sequences = int.Parse(Flag("--max-num-seqs") ?? "16", CultureInfo.InvariantCulture);
if (Environment.GetEnvironmentVariable("FAKE_VLLM_LOG") is { Length: > 0 } log)
{
    var line = new JsonObject
    {
        ["pid"] = Environment.ProcessId,
        ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
        ["HIP_VISIBLE_DEVICES"] = Environment.GetEnvironmentVariable("HIP_VISIBLE_DEVICES"),
        ["ROCR_VISIBLE_DEVICES"] = Environment.GetEnvironmentVariable("ROCR_VISIBLE_DEVICES"),
    };
    await File.AppendAllTextAsync(log, line.ToJsonString() + Environment.NewLine);
}

var model = new SimulatedModel(served, 1_000_000_000, 1, false, AcceleratorSpec.Mi300X, 1.0, sequences, $"fake-vllm/{port}");
await using var server = await SimulatedInferenceServer.StartAsync(model, new PartitionLoad(), TimeProvider.System, port);
var exitAfter = int.TryParse(Environment.GetEnvironmentVariable("FAKE_VLLM_EXIT_AFTER_MS"), CultureInfo.InvariantCulture, out var ms) ? ms : Timeout.Infinite;
await Task.Delay(exitAfter);
return 3;
