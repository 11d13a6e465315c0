using System.CommandLine;
using GpuSharing.Cli.Commands;

namespace GpuSharing.Cli;

/// <summary>The <c>gpushare</c> command tree; usage errors exit with <see cref="ExitCodes.InvalidInput"/>.</summary>
public static class GpuShareCli
{
    public static RootCommand Create(CliConsole console)
    {
        var runner = new CommandRunner(console);
        var root = new RootCommand("gpushare — GPUs, partitions, deployments, what-if plans, SLOs and chat of the AMD GPU sharing control plane, through its gateway.")
        {
            CommonOptions.Server,
            CommonOptions.Token,
            CommonOptions.Output,
            CommonOptions.Timeout,
        };
        root.Subcommands.Add(GpusCommand.Create(runner));
        root.Subcommands.Add(ModelsCommand.Create(runner));
        root.Subcommands.Add(PlanCommand.Create(runner));
        root.Subcommands.Add(SloCommand.Create(runner));
        root.Subcommands.Add(ChatCommand.Create(runner));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var parsed = Create(console).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync(error.Message);
            }

            await console.Error.WriteLineAsync("See gpushare --help.");
            return ExitCodes.InvalidInput;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }
}
