using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using GpuSharing.Cli.Input;
using GpuSharing.Cli.Output;
using Spectre.Console;

namespace GpuSharing.Cli.Commands;

/// <summary><c>gpushare plan -f FILE [--fleet MI300X=40]</c>: the what-if, drawn as GPUs and partitions; changes nothing.</summary>
public static class PlanCommand
{
    public static Command Create(CommandRunner runner)
    {
        var file = new Option<string>("--filename", "-f") { Description = "Deployments, as for models apply.", Required = true };
        var fleet = new Option<string?>("--fleet") { Description = "A hypothetical fleet, MODEL=COUNT,… (e.g. MI300X=40,MI355X=8); default: the real fleet with its reservations." };
        var command = new Command("plan", "What-if: where the deployments in a file would go, the repartitions and preemptions it takes, GPUs used against the lower bound. Changes nothing.")
        {
            file, fleet,
        };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var deployments = await DeploymentFile.ReadAsync(result.GetValue(file)!, context.Input, cancellationToken);
            var body = new JsonObject { ["deployments"] = new JsonArray([.. deployments.Select(d => (JsonNode)d.ForPlan())]) };
            if (result.GetValue(fleet) is { } groups)
            {
                body["fleet"] = Fleet(groups);
            }

            var plan = await context.Gateway.PostAsync("/api/v1/plan", body, cancellationToken);
            if (context.Output.WroteData(plan))
            {
                return ExitCodes.Success;
            }

            Render(context.Output, plan);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void Render(CliOutput output, JsonNode plan)
    {
        // GPUs and partitions the plan uses, with what it puts on each.
        var table = new Table().Border(TableBorder.Simple).AddColumns("NODE", "GPU", "PART", "MODES", "DEPLOYMENT", "REPLICA", "RESERVED");
        var rows = plan["deployments"]!.AsArray()
            .SelectMany(d => d!["placements"]!.AsArray().Select(p => (Deployment: $"{d["namespace"]}/{d["name"]}", Placement: p!)))
            .OrderBy(r => r.Placement["node"]!.ToString(), StringComparer.Ordinal)
            .ThenBy(r => Formats.Long(r.Placement["gpu"]))
            .ThenBy(r => Formats.Long(r.Placement["partition"]));
        foreach (var (deployment, placement) in rows)
        {
            table.AddRow(
                Markup.Escape(Formats.Text(placement["node"])),
                Formats.Text(placement["gpu"]),
                string.Join(",", placement["partitions"]!.AsArray().Select(p => p!.ToString())),
                $"{placement["computeMode"]}/{placement["memoryMode"]}",
                Markup.Escape(deployment),
                Formats.Text(placement["replica"]),
                $"{Formats.Gib(Formats.Long(placement["reservedBytes"]))} GiB");
        }

        output.Render(table);
        foreach (var repartition in plan["repartitions"]!.AsArray())
        {
            output.Line($"repartition {repartition!["node"]}/{repartition["gpu"]}: {repartition["from"]} → {repartition["to"]}{(repartition["memoryMode"] is { } m ? $"/{m}" : string.Empty)}");
        }

        foreach (var preemption in plan["preemptions"]!.AsArray())
        {
            output.Line($"preempt {preemption!["deployment"]}#{preemption["replica"]} ({preemption["priority"]}) on {preemption["node"]}/{preemption["gpu"]} for {preemption["preemptedFor"]}");
        }

        foreach (var deployment in plan["deployments"]!.AsArray())
        {
            foreach (var unplaced in deployment!["unplaced"]!.AsArray())
            {
                output.Line($"unplaced {deployment["namespace"]}/{deployment["name"]}#{unplaced!["replica"]}: {unplaced["explanation"]?["summary"]}");
            }
        }

        var bound = plan["lowerBound"]!;
        output.Line($"GPUs used: {plan["gpusUsed"]} of {plan["gpuCount"]}{(plan["hypotheticalFleet"]?.GetValue<bool>() == true ? " (hypothetical fleet)" : string.Empty)}; lower bound {bound["value"]} ({bound["name"]}), {Formats.Number(bound["ratio"], "0.000")} × the bound.");
    }

    /// <summary><c>MI300X=40,MI355X=8</c> as the what-if's fleet.</summary>
    public static JsonArray Fleet(string text)
    {
        var fleet = new JsonArray();
        foreach (var group in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = group.Split('=');
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
            {
                throw new InputError($"--fleet takes MODEL=COUNT,… (e.g. MI300X=40), not '{group}'");
            }

            fleet.Add(new JsonObject { ["model"] = parts[0], ["count"] = count });
        }

        return fleet;
    }
}
