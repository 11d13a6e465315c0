using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// A GPU as the engine sees it: family, compute mode, VRAM of each partition (as the device reports it), whether it
/// may take new replicas (Ready), and what it holds.
/// </summary>
public sealed record PlanningGpu(int Index, GpuFamily Family, ComputeMode ComputeMode, long PartitionBytes, bool Schedulable, IReadOnlyList<PlanningReservation> Reservations);
