using System.CommandLine;
using GpuSharing.Cli.Output;

namespace GpuSharing.Cli.Commands;

/// <summary>The options every command takes.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Server = new("--server", "-s")
    {
        Description = $"The gateway's base URL (default: GPUSHARE_SERVER, the config file, else {CliSettings.DefaultServer}).",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token for changes when the gateway requires one (default: GPUSHARE_TOKEN, the config file).",
        Recursive = true,
    };

    public static readonly Option<OutputFormat> Output = new("--output", "-o")
    {
        Description = "table (default), json or yaml.",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Table,
    };

    public static readonly Option<TimeSpan> Timeout = new("--timeout")
    {
        Description = "How long one request may take (default 00:02:00).",
        Recursive = true,
        DefaultValueFactory = _ => TimeSpan.FromMinutes(2),
    };
}
