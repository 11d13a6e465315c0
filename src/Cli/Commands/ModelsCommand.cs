using System.CommandLine;
using System.Text.Json.Nodes;
using GpuSharing.Cli.Input;
using GpuSharing.Cli.Output;
using Spectre.Console;

namespace GpuSharing.Cli.Commands;

/// <summary><c>gpushare models apply|get|list|delete|explain</c>: deployments, as the gateway's <c>/api/v1/models</c> routes hold them.</summary>
public static class ModelsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var models = new Command("models", "Deployments: apply from a file, get, list, delete, explain why one is pending.");
        models.Subcommands.Add(Apply(runner));
        models.Subcommands.Add(Get(runner));
        models.Subcommands.Add(List(runner));
        models.Subcommands.Add(Delete(runner));
        models.Subcommands.Add(Explain(runner));
        return models;
    }

    private static Command Apply(CommandRunner runner)
    {
        var file = new Option<string>("--filename", "-f") { Description = "YAML or JSON: one deployment, a list, several documents, or { deployments: [...] }; - reads stdin.", Required = true };
        var command = new Command("apply", "Create or update every deployment in a file (idempotent: the same spec again changes nothing).") { file };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var deployments = await DeploymentFile.ReadAsync(result.GetValue(file)!, context.Input, cancellationToken);
            var applied = new JsonArray();
            foreach (var deployment in deployments)
            {
                applied.Add(await context.Gateway.PutAsync($"/api/v1/models/{deployment.Namespace}/{deployment.Name}", deployment.Spec, cancellationToken));
            }

            if (context.Output.WroteData(applied))
            {
                return ExitCodes.Success;
            }

            foreach (var model in applied)
            {
                context.Output.Line($"{model!["namespace"]}/{model["name"]}: {model["status"]} ({Placed(model)} placed){Message(model)}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Get(CommandRunner runner)
    {
        var key = Key();
        var command = new Command("get", "One deployment: status, sizing, placements and binding.") { key };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var model = await context.Gateway.GetAsync(Path(result.GetValue(key)!), cancellationToken);
            if (context.Output.WroteData(model))
            {
                return ExitCodes.Success;
            }

            var spec = model["spec"]!;
            var summary = new Grid().AddColumn().AddColumn();
            summary.AddRow("Deployment", Markup.Escape($"{model["namespace"]}/{model["name"]} (generation {model["generation"]})"));
            summary.AddRow("Model", Markup.Escape($"{spec["model"]} {spec["precision"]}, {spec["replicas"]} replica(s), priority {spec["priority"]}"));
            summary.AddRow("Status", Markup.Escape($"{model["status"]}{Message(model)}"));
            if (model["sizing"] is JsonObject sizing)
            {
                summary.AddRow("Sizing", Markup.Escape($"{Formats.Gib(Formats.Long(sizing["totalBytes"]))} GiB per replica: weights {Formats.Gib(Formats.Long(sizing["weightsBytes"]))}, KV cache {Formats.Gib(Formats.Long(sizing["kvCacheTargetBytes"]))} (at least {Formats.Gib(Formats.Long(sizing["kvCacheMinBytes"]))}), activations {Formats.Gib(Formats.Long(sizing["activationBytes"]))}; {sizing["maxModelLen"]} tokens × {sizing["maxNumSeqs"]} sequences"));
            }

            context.Output.Render(summary);
            var placements = new Table().Border(TableBorder.Simple).AddColumns("REPLICA", "NODE", "GPU", "PARTITIONS", "MODES", "RESERVED", "DEVICE");
            foreach (var placement in model["placements"]!.AsArray())
            {
                placements.AddRow(
                    Formats.Text(placement!["replica"]),
                    Markup.Escape(Formats.Text(placement["node"])),
                    Formats.Text(placement["gpu"]),
                    string.Join(",", placement["partitions"]!.AsArray().Select(p => p!.ToString())),
                    $"{placement["computeMode"]}/{placement["memoryMode"]}",
                    $"{Formats.Gib(Formats.Long(placement["reservedBytes"]))} GiB",
                    Markup.Escape(Formats.Text(placement["binding"]?["device"])));
            }

            context.Output.Render(placements);
            if (model["binding"]?["vllmArguments"] is JsonArray args)
            {
                context.Output.Line($"vLLM arguments: {string.Join(' ', args.Select(a => a!.ToString()))}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var ns = new Argument<string?>("NAMESPACE") { Description = "Only this namespace.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("list", "Every deployment (of a namespace), in name order.") { ns };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var models = (await context.Gateway.GetAsync(result.GetValue(ns) is { } n ? $"/api/v1/models/{Uri.EscapeDataString(n)}" : "/api/v1/models", cancellationToken)).AsArray();
            if (context.Output.WroteData(models))
            {
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("NAMESPACE", "NAME", "MODEL", "PRIORITY", "REPLICAS", "STATUS", "RESERVED");
            foreach (var model in models)
            {
                table.AddRow(
                    Markup.Escape(Formats.Text(model!["namespace"])),
                    Markup.Escape(Formats.Text(model["name"])),
                    Markup.Escape(Formats.Text(model["spec"]?["model"])),
                    Formats.Text(model["spec"]?["priority"]),
                    $"{Placed(model)}/{model["spec"]?["replicas"]}",
                    Formats.Text(model["status"]),
                    $"{Formats.Gib(model["placements"]!.AsArray().Sum(p => Formats.Long(p!["reservedBytes"])))} GiB");
            }

            context.Output.Render(table);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Delete(CommandRunner runner)
    {
        var key = Key();
        var command = new Command("delete", "Delete a deployment and release its reservations.") { key };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var name = result.GetValue(key)!;
            await context.Gateway.DeleteAsync(Path(name), cancellationToken);
            if (context.Output.IsTable)
            {
                context.Output.Line($"{name} deleted.");
            }
            else
            {
                context.Output.Data(new JsonObject { ["deleted"] = name });
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Explain(CommandRunner runner)
    {
        var key = Key();
        var command = new Command("explain", "Why a deployment is (partly) pending: the summary, and for each GPU considered why it did not take a replica.") { key };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var model = await context.Gateway.GetAsync(Path(result.GetValue(key)!), cancellationToken);
            var explanation = model["explanation"];
            if (context.Output.WroteData(new JsonObject { ["status"] = model["status"]?.DeepClone(), ["pending"] = model["pending"]?.DeepClone(), ["explanation"] = explanation?.DeepClone() }))
            {
                return ExitCodes.Success;
            }

            if (explanation is null)
            {
                context.Output.Line($"{model["namespace"]}/{model["name"]} is {model["status"]}: {Placed(model)} of {model["spec"]?["replicas"]} replica(s) placed, nothing to explain.");
                return ExitCodes.Success;
            }

            context.Output.Line($"{model["namespace"]}/{model["name"]} is {model["status"]}: {explanation["summary"]}");
            foreach (var pending in model["pending"] as JsonArray ?? [])
            {
                context.Output.Line($"  replica {pending!["replica"]} waits for {pending["node"]}/{pending["gpu"]} to become {pending["target"]?["computeMode"]}/{pending["target"]?["memoryMode"]}: {pending["reason"]}");
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("NODE", "GPU", "REASON", "DETAIL");
            foreach (var gpu in explanation["gpus"] as JsonArray ?? [])
            {
                table.AddRow(Markup.Escape(Formats.Text(gpu!["node"])), Formats.Text(gpu["gpu"]), Formats.Text(gpu["reason"]), Markup.Escape(Formats.Text(gpu["detail"])));
            }

            context.Output.Render(table);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Argument<string> Key() => new("NAMESPACE/NAME") { Description = "The deployment, e.g. team-a/qwen." };

    /// <summary>The route of <c>namespace/name</c>; a name without a namespace is in <c>default</c>, as in kubectl.</summary>
    public static string Path(string key)
    {
        var parts = key.Split('/');
        return parts.Length switch
        {
            1 when parts[0].Length > 0 => $"/api/v1/models/{DeploymentFile.DefaultNamespace}/{Uri.EscapeDataString(parts[0])}",
            2 when parts[0].Length > 0 && parts[1].Length > 0 => $"/api/v1/models/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}",
            _ => throw new InputError($"'{key}' is not NAMESPACE/NAME"),
        };
    }

    private static int Placed(JsonNode? model) => (model?["placements"] as JsonArray)?.Count ?? 0;

    private static string Message(JsonNode? model) => model?["message"]?.ToString() is { Length: > 0 } message ? $" — {message}" : string.Empty;
}
