namespace GpuSharing.EndToEnd.Tests;

/// <summary>gpushare's exit codes as README documents them (the tests hold the CLI to the documentation, not to its source).</summary>
public static class ExitCodes
{
    public const int InvalidInput = 2;
    public const int NotFound = 3;
    public const int Unreachable = 6;
}
