namespace GpuSharing.Cli.Commands;

/// <summary>The process's streams and environment, so that tests and the real process wire the CLI the same way.</summary>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool Interactive, Func<string, string?> Environment)
{
    public static CliConsole System() => new(
        global::System.Console.In,
        global::System.Console.Out,
        global::System.Console.Error,
        !global::System.Console.IsOutputRedirected && global::System.Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"),
        global::System.Environment.GetEnvironmentVariable);
}
