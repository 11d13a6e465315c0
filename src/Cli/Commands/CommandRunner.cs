using System.CommandLine;
using GpuSharing.Cli.Gateway;
using GpuSharing.Cli.Input;
using GpuSharing.Cli.Output;

namespace GpuSharing.Cli.Commands;

/// <summary>
/// Runs a command's body with its context, and turns every way it can fail into a message on stderr and the exit
/// code that names it (<see cref="ExitCodes"/>): problem details, an unreachable gateway, a bad file.
/// </summary>
public sealed class CommandRunner(CliConsole console)
{
    public Func<ParseResult, CancellationToken, Task<int>> Action(Func<CommandContext, ParseResult, CancellationToken, Task<int>> body) =>
        async (result, cancellationToken) =>
        {
            var output = new CliOutput(console.Out, console.Error, result.GetValue(CommonOptions.Output), console.Interactive);
            try
            {
                var settings = CliSettings.Resolve(result.GetValue(CommonOptions.Server), result.GetValue(CommonOptions.Token), console.Environment);
                using var gateway = GatewayClient.Create(settings.Server, settings.Token, result.GetValue(CommonOptions.Timeout));
                return await body(new CommandContext(gateway, output, console.In, TimeProvider.System), result, cancellationToken);
            }
            catch (GatewayProblem problem)
            {
                output.Failure(problem.Lines());
                if (problem.ExitCode == ExitCodes.Unauthorized)
                {
                    output.Failure(["This needs the gateway's token: set GPUSHARE_TOKEN or pass --token."]);
                }

                return problem.ExitCode;
            }
            catch (GatewayUnreachable unreachable)
            {
                output.Failure([unreachable.Message]);
                return ExitCodes.Unreachable;
            }
            catch (InputError error)
            {
                output.Failure([error.Message]);
                return ExitCodes.InvalidInput;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                output.Failure(["Interrupted."]);
                return 130;
            }
        };
}
