using System.CommandLine;
using System.Text.Json.Nodes;
using GpuSharing.Cli.Output;
using Spectre.Console;

namespace GpuSharing.Cli.Commands;

/// <summary><c>gpushare slo [NAMESPACE/NAME]</c>: attainment per window, error budget and burn, worst first.</summary>
public static class SloCommand
{
    public static Command Create(CommandRunner runner)
    {
        var key = new Argument<string?>("NAMESPACE/NAME") { Description = "One deployment (default: all, worst first).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("slo", "SLO attainment (5m, 1h, 24h), error budget left and burn rate, per deployment.") { key };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var data = result.GetValue(key) is { } one
                ? await context.Gateway.GetAsync(ModelsCommand.Path(one).Replace("/api/v1/models/", "/api/v1/slo/", StringComparison.Ordinal), cancellationToken)
                : await context.Gateway.GetAsync("/api/v1/slo", cancellationToken);
            if (context.Output.WroteData(data))
            {
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("DEPLOYMENT", "TARGET", "5M", "1H", "24H", "BUDGET LEFT", "BURN 1H", "STATE", "TTFT P50/P99 MS");
            foreach (var slo in data is JsonArray all ? all : [data.DeepClone()])
            {
                var windows = (slo!["windows"] as JsonArray ?? []).ToDictionary(w => w!["window"]!.ToString(), w => w!, StringComparer.Ordinal);
                var targets = slo["targets"];
                table.AddRow(
                    Markup.Escape(Formats.Text(slo["deployment"])),
                    Markup.Escape(targets is null ? "-" : $"{Formats.Percent(targets["target"])} ttft≤{Formats.Number(targets["ttftMs"])} tpot≤{Formats.Number(targets["tpotMs"])}"),
                    Window(windows, "5m"),
                    Window(windows, "1h"),
                    Window(windows, "24h"),
                    Formats.Percent(slo["errorBudgetRemaining"]),
                    Formats.Number(windows.GetValueOrDefault("1h")?["burnRate"]),
                    Burn(Formats.Text(slo["burn"])),
                    $"{Formats.Number(slo["ttftP50Ms"], "0")}/{Formats.Number(slo["ttftP99Ms"], "0")}");
            }

            context.Output.Render(table);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Window(Dictionary<string, JsonNode> windows, string name) =>
        windows.TryGetValue(name, out var window) ? $"{Formats.Percent(window["attainment"])} of {Formats.Text(window["requests"])}" : "-";

    private static string Burn(string burn) => burn switch
    {
        "fast" => "[red]fast[/]",
        "slow" => "[yellow]slow[/]",
        "ok" => "[green]ok[/]",
        _ => Markup.Escape(burn),
    };
}
