namespace GpuSharing.Grains.Hardware.Processes;

/// <summary>
/// An executable and its argument list (never a shell command line), what to write to its stdin, how long it may run,
/// and environment variables to add to the ones it inherits.
/// </summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments, string? StandardInput, TimeSpan Timeout, IReadOnlyDictionary<string, string>? Environment = null)
{
    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}
