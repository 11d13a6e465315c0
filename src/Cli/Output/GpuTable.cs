using System.Text.Json.Nodes;
using Spectre.Console;

namespace GpuSharing.Cli.Output;

/// <summary>
/// GPUs as <c>gpushare gpus</c> shows them: a row per partition — node, GPU, family, modes, state, then the partition's
/// reserved memory as a bar against its VRAM and the deployments that hold it.
/// </summary>
public static class GpuTable
{
    public static Table Build(JsonArray gpus)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("NODE", "GPU", "FAMILY", "MODES", "STATE", "PART", "RESERVED / VRAM", "HELD BY");
        foreach (var gpu in gpus.OfType<JsonObject>())
        {
            var partitions = gpu["partitions"] as JsonArray ?? [];
            var first = true;
            foreach (var partition in partitions.OfType<JsonObject>().DefaultIfEmpty(new JsonObject()))
            {
                table.AddRow(
                    first ? Markup.Escape(Formats.Text(gpu["node"])) : string.Empty,
                    first ? Formats.Text(gpu["index"]) : string.Empty,
                    first ? Markup.Escape(Formats.Text(gpu["model"])) : string.Empty,
                    first ? $"{Formats.Text(gpu["computeMode"])}/{Formats.Text(gpu["memoryMode"])}" : string.Empty,
                    first ? State(gpu) : string.Empty,
                    Formats.Text(partition["index"]),
                    partition.Count == 0 ? "-" : Formats.MemoryBar(Formats.Long(partition["reservedBytes"]), Formats.Long(partition["vramBytes"])),
                    Markup.Escape(Holders(partition)));
                first = false;
            }
        }

        return table;
    }

    /// <summary>The state, and while it is being reconfigured the step it is at.</summary>
    private static string State(JsonObject gpu)
    {
        var state = Formats.Text(gpu["state"]);
        var colour = state switch
        {
            "Ready" => "green",
            "Degraded" or "Failed" => "red",
            "Unreachable" => "grey",
            _ => "yellow",
        };
        var operation = gpu["operation"];
        var progress = operation?["status"]?.ToString() == "Running" ? $" → {operation["target"]?["computeMode"]}/{operation["target"]?["memoryMode"]}" : string.Empty;
        return $"[{colour}]{Markup.Escape(state + progress)}[/]";
    }

    private static string Holders(JsonObject partition) =>
        partition["reservations"] is JsonArray reservations && reservations.Count > 0
            ? string.Join(", ", reservations.OfType<JsonObject>().Select(r => $"{r["deployment"]}#{r["replica"]} ({Formats.Gib(Formats.Long(r["bytes"]))} GiB, {r["priority"]})"))
            : "-";
}
