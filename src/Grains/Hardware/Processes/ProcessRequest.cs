namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>An executable and its argument list (never a shell command line), what to write to its stdin, how long it may run.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments, string? StandardInput, TimeSpan Timeout)
{
    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}
