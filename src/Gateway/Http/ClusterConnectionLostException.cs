namespace GpuSharing.Gateway.Http;

/// <summary>A connection to the cluster was lost while the request was in flight; whether it took effect is unknown.</summary>
public sealed class ClusterConnectionLostException()
    : Exception("A connection to the cluster was lost while the request was in flight.");
