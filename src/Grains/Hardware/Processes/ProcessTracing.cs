using System.Diagnostics;

namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>
/// The span of every process a node runs (amd-smi): its command line, pid and exit code, a child of whatever grain
/// call or request caused it, so that a trace shows which device command a request ended in and how it went.
/// </summary>
public static class ProcessTracing
{
    public const string SourceName = "GpuSharing.Processes";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>A span named after the executable and its subcommand (<c>amd-smi set</c>): few names, whatever the arguments.</summary>
    internal static Activity? Start(ProcessRequest request)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var executable = Path.GetFileName(request.FileName);
        var name = request.Arguments.Count > 0 && IsSubcommand(request.Arguments[0]) ? $"{executable} {request.Arguments[0]}" : executable;
        var activity = Source.StartActivity(name, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            // OpenTelemetry's process attributes. The environment is never recorded: it may carry secrets.
            activity.SetTag("process.executable.name", executable);
            activity.SetTag("process.executable.path", request.FileName);
            activity.SetTag("process.command_args", (string[])[request.FileName, .. request.Arguments]);
        }

        return activity;
    }

    /// <summary>A word such as <c>static</c> or <c>set</c>; not a flag, a path or a number, which would make span names unbounded.</summary>
    private static bool IsSubcommand(string argument) =>
        argument.Length is > 0 and <= 32 && char.IsAsciiLetterLower(argument[0]) && argument.All(c => char.IsAsciiLetterLower(c) || c == '-');

    internal static void Exited(Activity? activity, int pid, int exitCode)
    {
        activity?.SetTag("process.pid", pid);
        activity?.SetTag("process.exit.code", exitCode);
        if (exitCode != 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, $"exit code {exitCode}");
        }
    }

    internal static void Failed(Activity? activity, string errorType, string description)
    {
        activity?.SetTag("error.type", errorType);
        activity?.SetStatus(ActivityStatusCode.Error, description);
    }
}
