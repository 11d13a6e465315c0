namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>
/// What a <c>set</c> command printed: one line per GPU, whether it asked for confirmation, whether it said the driver
/// must now be reloaded by hand (ROCm 7.0+ memory mode), and a fatal error that cut it short (for example
/// <c>OSError: [Errno 24] Too many open files</c> after 15 GPUs).
/// </summary>
public sealed record AmdSmiSetResult(IReadOnlyList<AmdSmiSetLine> Lines, bool AskedForConfirmation, bool DriverReloadRequired, string? FatalError)
{
    public bool AllSucceeded => Lines.Count > 0 && FatalError is null && Lines.All(l => l.Succeeded);

    public IReadOnlyList<AmdSmiSetLine> Failures => [.. Lines.Where(l => !l.Succeeded)];
}
