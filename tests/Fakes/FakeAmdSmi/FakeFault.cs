namespace GpuSharing.Fakes.AmdSmi;

/// <summary>
/// What the next <see cref="Times"/> invocations of <see cref="Command"/> do instead of succeeding: hang for
/// <see cref="HangSeconds"/>, print the error of <see cref="Status"/> (BUSY, SETTING_UNAVAILABLE, NO_PERM,
/// NOT_SUPPORTED, AMDGPU_RESTART_ERR) or print <c>GARBAGE</c>. With <see cref="ApplyFirst"/> the change is made first.
/// Commands: version, default, list, static, metric, partition, process, set-compute, set-memory, reset.
/// </summary>
internal sealed class FakeFault
{
    public string Command { get; set; } = string.Empty;

    public string? Status { get; set; }

    public int HangSeconds { get; set; }

    public bool ApplyFirst { get; set; }

    public int Times { get; set; } = 1;
}
