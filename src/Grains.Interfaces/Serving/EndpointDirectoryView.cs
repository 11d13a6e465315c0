namespace GpuSharing.Grains.Interfaces.Serving;

/// <summary>Every replica endpoint the directory knows, with a version that changes whenever the set does.</summary>
[GenerateSerializer, Immutable, Alias("gpusharing.EndpointDirectoryView")]
public sealed record EndpointDirectoryView(long Version, IReadOnlyList<ReplicaEndpoint> Endpoints);
