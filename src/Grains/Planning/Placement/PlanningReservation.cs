using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>A replica already on a GPU: partitions <see cref="FirstPartition"/> … + <see cref="Span"/> − 1, bytes on each.</summary>
public sealed record PlanningReservation(string Deployment, int Replica, int FirstPartition, int Span, long BytesPerPartition, Priority Priority, Isolation Isolation);
