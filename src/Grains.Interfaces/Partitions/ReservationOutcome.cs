namespace GpuSharing.Grains.Interfaces.Partitions;

public enum ReservationOutcome
{
    Reserved,
    /// <summary>The reservation would exceed the partition's VRAM.</summary>
    InsufficientMemory,
    /// <summary>The partition is being drained or repartitioned.</summary>
    Frozen,
    /// <summary>The partition does not exist in the GPU's current layout.</summary>
    NotConfigured,
    InvalidRequest,
}
