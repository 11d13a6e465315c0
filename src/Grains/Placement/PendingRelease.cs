namespace GpuSharing.Grains.Placement;

/// <summary>A release that could not be delivered (the node was down): kept and retried until it is.</summary>
internal sealed record PendingRelease(string Node, int Gpu, int FirstPartition, int Span, string Deployment, int Replica, DateTimeOffset Since);
