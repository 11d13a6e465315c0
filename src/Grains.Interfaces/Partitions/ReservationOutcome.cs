namespace GpuSharing.Grains.Interfaces.Partitions;

public enum ReservationOutcome
{
    Reserved,
    /// <summary>The reservation would exceed the partition's VRAM.</summary>
    InsufficientMemory,
    /// <summary>An exclusive replica would share the partition, or the partition holds an exclusive replica.</summary>
    Isolated,

    /// <summary>The partition is being drained or repartitioned.</summary>
    Frozen,
    /// <summary>The partition does not exist in the GPU's current layout.</summary>
    NotConfigured,
    InvalidRequest,
}
