using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// A replica already on a GPU: partitions <see cref="FirstPartition"/> … + <see cref="Span"/> − 1, bytes on each, the
/// KV cache it was given, and the demand it was placed for — so that an engine rebuilt from the fleet knows what it
/// holds as well as the one that placed it (it can place it again when it must move, and its binding stays the same).
/// </summary>
public sealed record PlanningReservation(
    string Deployment,
    int Replica,
    int FirstPartition,
    int Span,
    long BytesPerPartition,
    Priority Priority,
    Isolation Isolation,
    long KvBytes = 0,
    bool FullKv = true,
    PlacementDemand? Demand = null);
