namespace GpuSharing.Gateway.KServe;

/// <summary>What the queue does with a key after a reconcile.</summary>
public enum ReconcileOutcome
{
    /// <summary>Converged; the next event or resync brings it back.</summary>
    Done,

    /// <summary>Waiting for room or a repartition: look again after the pending recheck (backing off).</summary>
    Waiting,

    /// <summary>A conflict or a transient failure: try again soon.</summary>
    Retry,
}
