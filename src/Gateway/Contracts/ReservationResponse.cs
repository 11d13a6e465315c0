using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Contracts;

/// <summary>One holder of a partition: the deployment, its bytes there, which replica, and whether it holds the partition alone.</summary>
public sealed record ReservationResponse(string Deployment, long Bytes, int Replica, Isolation Isolation, Priority Priority);
