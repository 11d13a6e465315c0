using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Cli.Input;
using GpuSharing.Cli.Output;
using Spectre.Console;

namespace GpuSharing.Cli.Commands;

/// <summary><c>gpushare gpus</c> and <c>gpushare gpus repartition NODE/INDEX --compute CPX [--memory NPS4]</c>.</summary>
public static class GpusCommand
{
    private static readonly string[] ComputeModes = ["SPX", "DPX", "TPX", "QPX", "CPX"];
    private static readonly string[] MemoryModes = ["NPS1", "NPS2", "NPS4", "NPS8"];

    public static Command Create(CommandRunner runner)
    {
        var gpus = new Command("gpus", "Every GPU: modes, state, and each partition's reserved memory and holders.");
        gpus.SetAction(runner.Action(async (context, _, cancellationToken) =>
        {
            var list = (await context.Gateway.GetAsync("/api/v1/gpus", cancellationToken)).AsArray();
            if (!context.Output.IsTable)
            {
                context.Output.Data(list);
            }
            else if (list.Count == 0)
            {
                context.Output.Line("No GPUs: no node silo has registered yet.");
            }
            else
            {
                context.Output.Render(GpuTable.Build(list));
            }

            return ExitCodes.Success;
        }));

        gpus.Subcommands.Add(Repartition(runner));
        return gpus;
    }

    private static Command Repartition(CommandRunner runner)
    {
        var target = new Argument<string>("NODE/INDEX") { Description = "The GPU, e.g. node-1/0." };
        var compute = new Option<string>("--compute", "-c") { Description = "Compute mode: SPX, DPX, TPX, QPX or CPX.", Required = true };
        compute.AcceptOnlyFromAmong(ComputeModes);
        var memory = new Option<string?>("--memory", "-m") { Description = "Memory mode: NPS1, NPS2, NPS4 (a node-wide change; default: keep the node's)." };
        memory.AcceptOnlyFromAmong(MemoryModes);
        var noWait = new Option<bool>("--no-wait") { Description = "Print the accepted operation and return; do not follow it." };
        var wait = new Option<TimeSpan>("--wait-timeout") { Description = "How long to follow the operation (default 00:15:00).", DefaultValueFactory = _ => TimeSpan.FromMinutes(15) };
        var command = new Command("repartition", "Repartition a GPU and follow the operation, step by step, until it ends (exit 0 only when verified on the device).")
        {
            target, compute, memory, noWait, wait,
        };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var (node, index) = ParseGpu(result.GetValue(target)!);
            var body = new JsonObject { ["computeMode"] = result.GetValue(compute) };
            if (result.GetValue(memory) is { } nps)
            {
                body["memoryMode"] = nps;
            }

            var path = $"/api/v1/gpus/{node}/{index}/partitioning";
            var accepted = await context.Gateway.PutAsync(path, body, cancellationToken);
            if (result.GetValue(noWait))
            {
                Report(context, accepted, $"Accepted operation {accepted["id"]}: {node}/{index} → {Layout(accepted["target"])}.");
                return ExitCodes.Success;
            }

            var ended = await FollowAsync(context, path, accepted, result.GetValue(wait), cancellationToken);
            if (ended is null)
            {
                context.Output.Failure([$"The operation {accepted["id"]} is still running after {result.GetValue(wait)}; follow it with gpushare gpus."]);
                return ExitCodes.Failed;
            }

            var succeeded = ended["status"]?.ToString() == "Succeeded";
            if (!context.Output.IsTable)
            {
                context.Output.Data(ended);
            }
            else
            {
                context.Output.Line(succeeded
                    ? $"Succeeded: {node}/{index} is {Layout(ended["target"])}, verified on the device."
                    : $"{ended["status"]}: {ended["error"]?["message"] ?? ended["error"]?.ToJsonString() ?? "no detail"}");
                var gpu = await context.Gateway.GetAsync($"/api/v1/gpus/{node}/{index}", cancellationToken);
                context.Output.Render(GpuTable.Build([gpu.DeepClone()]));
            }

            if (!succeeded && !context.Output.IsTable)
            {
                context.Output.Failure([$"{ended["status"]}: {ended["error"]?["message"] ?? "no detail"}"]);
            }

            return succeeded ? ExitCodes.Success : ExitCodes.Failed;
        }));
        return command;
    }

    /// <summary>
    /// Polls the operation until it is no longer running: a live status line on a terminal, a plain line per step when
    /// piped (on stderr for JSON and YAML, so that stdout stays one document). Null when <paramref name="limit"/> ran out.
    /// </summary>
    private static async Task<JsonNode?> FollowAsync(CommandContext context, string path, JsonNode accepted, TimeSpan limit, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var started = context.Time.GetTimestamp();
        var printed = 0;
        // A live display owns the terminal: lines go through it. Otherwise plain lines, on stderr for JSON and YAML.
        Action<string> progress = output.Interactive && output.IsTable ? output.Console.WriteLine : output.IsTable ? output.Writer.WriteLine : output.Error.WriteLine;
        void PrintSteps(JsonNode operation)
        {
            var steps = operation["steps"] as JsonArray ?? [];
            for (; printed < steps.Count; printed++)
            {
                var at = context.Time.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                progress($"[{at,6}s] {steps[printed]?["state"]}: {steps[printed]?["detail"]}");
            }
        }

        async Task<JsonNode?> PollAsync(Action<JsonNode> onRead)
        {
            var operation = accepted;
            while (context.Time.GetElapsedTime(started) < limit)
            {
                onRead(operation);
                if (operation["id"]?.ToString() == accepted["id"]?.ToString() && operation["status"]?.ToString() != "Running")
                {
                    return operation;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), context.Time, cancellationToken);
                operation = await context.Gateway.GetAsync(path, cancellationToken);
            }

            return null;
        }

        if (output.Interactive && output.IsTable)
        {
            JsonNode? ended = null;
            await output.Console.Status().Spinner(Spinner.Known.Dots).StartAsync("Repartitioning…", async status =>
            {
                ended = await PollAsync(operation =>
                {
                    PrintSteps(operation);
                    status.Status($"{operation["step"]} — {Markup.Escape(Formats.Text((operation["steps"] as JsonArray)?.LastOrDefault()?["detail"]))}");
                });
            });
            return ended;
        }

        return await PollAsync(PrintSteps);
    }

    private static void Report(CommandContext context, JsonNode data, string line)
    {
        if (context.Output.IsTable)
        {
            context.Output.Line(line);
        }
        else
        {
            context.Output.Data(data);
        }
    }

    private static string Layout(JsonNode? layout) => $"{layout?["computeMode"]}/{layout?["memoryMode"]}";

    /// <summary><c>node-1/0</c> → (node-1, 0); anything else is the caller's mistake.</summary>
    public static (string Node, int Index) ParseGpu(string text)
    {
        var slash = text.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new InputError($"'{text}' is not NODE/INDEX (e.g. node-1/0)");
        }

        return (Uri.EscapeDataString(text[..slash]), index);
    }
}
