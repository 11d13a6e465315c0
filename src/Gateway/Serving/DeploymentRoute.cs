using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Serving;

/// <summary>A deployment as the request path sees it: its replicas' endpoints, its class, its admission.</summary>
public sealed class DeploymentRoute(string deployment, Priority priority, IReadOnlyList<ReplicaTarget> replicas, DeploymentAdmission admission)
{
    public string Deployment { get; } = deployment;

    public Priority Priority { get; } = priority;

    public IReadOnlyList<ReplicaTarget> Replicas { get; } = replicas;

    public DeploymentAdmission Admission { get; } = admission;

    /// <summary>At least one replica answers its health check.</summary>
    public bool Routable => Replicas.Any(r => r.Healthy);

    /// <summary>Requests the routable replicas run at once: their sequence limits added up.</summary>
    public int Capacity => Replicas.Where(r => r.Healthy).Sum(r => Math.Max(1, r.Endpoint.MaxNumSeqs));

    /// <summary>
    /// Every routable replica's server schedules by the <c>priority</c> the gateway sends and preempts for it: the
    /// runtimes the node silos start (vLLM with <c>--scheduling-policy priority</c>, the simulator). Servers run
    /// elsewhere (KServe, declared) may refuse a <c>priority</c> field, so they are sent none.
    /// </summary>
    public bool Preemptive => Replicas.Where(r => r.Healthy).All(r => r.SchedulesByPriority);

    /// <summary>The routable replica with the fewest requests in flight (ties: the lowest replica number).</summary>
    public ReplicaTarget? Pick() =>
        Replicas.Where(r => r.Healthy).OrderBy(r => r.Outstanding).ThenBy(r => r.Endpoint.Replica).FirstOrDefault();
}
