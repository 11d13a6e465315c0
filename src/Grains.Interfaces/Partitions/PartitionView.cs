using GpuSharing.Grains.Interfaces.Hardware;
namespace GpuSharing.Grains.Interfaces.Partitions;

/// <summary>A partition with its capacity and who holds what of it.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.PartitionView")]
public sealed record PartitionView(
    int Index,
    long VramBytes,
    int ComputeUnits,
    long ReservedBytes,
    IReadOnlyList<PartitionReservation> Reservations,
    DeviceBinding? Binding,
    bool AcceptsReservations);
