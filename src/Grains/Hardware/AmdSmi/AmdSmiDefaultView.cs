namespace GpuSharing.Grains.Hardware.AmdSmi;

/// <summary>The default view: versions, the platform (bare metal or an SR-IOV guest), GPUs and processes.</summary>
public sealed record AmdSmiDefaultView(
    AmdSmiVersionInfo Versions,
    string? DriverVersion,
    string? Platform,
    IReadOnlyList<AmdSmiDefaultViewGpu> Gpus,
    IReadOnlyList<AmdSmiDefaultViewProcess> Processes)
{
    /// <summary>SR-IOV guests report <c>Linux Guest</c>; they may read partitions but must never try to set them.</summary>
    public bool IsGuest => Platform?.Contains("Guest", StringComparison.OrdinalIgnoreCase) == true;
}
