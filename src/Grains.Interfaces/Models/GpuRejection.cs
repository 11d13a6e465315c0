namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>One GPU that could not take a replica, and why.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.GpuRejection")]
public sealed record GpuRejection(string Node, int Gpu, RejectionReason Reason, string Detail);
