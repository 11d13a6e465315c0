namespace GpuSharing.Grains.Placement;

/// <summary>What the placement grain does next with a repartition job.</summary>
internal enum RepartitionJobStep
{
    /// <summary>Nothing yet: the operation runs, the GPU is unreachable, or another node-wide change comes first.</summary>
    Wait,

    /// <summary>Ask the node to repartition the GPU.</summary>
    Request,

    /// <summary>The GPU has the target layout: reserve the waiting replicas.</summary>
    Complete,

    /// <summary>The repartition cannot happen: the waiting replicas are placed again.</summary>
    Fail,
}
