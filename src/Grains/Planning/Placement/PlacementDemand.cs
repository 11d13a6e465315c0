using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>What the engine places: a deployment's replicas, their priority and isolation, their memory, their freedom (tensor parallel, node and GPU pin).</summary>
public sealed record PlacementDemand(string Deployment, int Replicas, Priority Priority, Isolation Isolation, ReplicaSize Size, int MaxTensorParallel = 1, string? Node = null, int? Gpu = null);
