namespace GpuSharing.Grains.Interfaces.Hardware;

/// <summary>
/// Memory (NUMA-per-socket) partition mode. It is one value for every GPU of a node (the XGMI hive) and changes only
/// with a driver reload. The numeric value is the number of memory partitions.
/// </summary>
public enum MemoryMode
{
    NPS1 = 1,
    NPS2 = 2,
    NPS4 = 4,
    /// <summary>Defined by the driver, supported by none of the GPUs we manage.</summary>
    NPS8 = 8,
}
