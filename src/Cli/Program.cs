using GpuSharing.Cli;
using GpuSharing.Cli.Commands;

return await GpuShareCli.RunAsync(args, CliConsole.System());
