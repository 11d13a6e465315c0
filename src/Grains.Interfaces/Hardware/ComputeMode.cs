namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// Compute (accelerator) partition mode of a GPU. The numeric value is the number of partitions the mode creates,
/// so <c>(int)mode</c> is the partition count.
/// </summary>
public enum ComputeMode
{
    SPX = 1,
    DPX = 2,
    /// <summary>Three partitions; exists on MI300A only and is never valid on the 8-XCD parts we manage.</summary>
    TPX = 3,
    QPX = 4,
    CPX = 8,
}
