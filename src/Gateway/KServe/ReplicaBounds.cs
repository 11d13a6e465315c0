namespace GpuSharing.Gateway.KServe;

/// <summary>
/// How many replicas an object may run: fixed (<see cref="Min"/> = <see cref="Max"/>), or between the bounds an
/// autoscaler (KEDA, the HPA, KServe's own) moves within. <see cref="Min"/> is reserved up front (at least one: a
/// deployment scaled to zero keeps one replica's room, so that it starts again at once); more follow the autoscaler.
/// </summary>
public sealed record ReplicaBounds(int Min, int Max)
{
    public bool Autoscaled => Max > Min;

    public static ReplicaBounds Fixed(int replicas) => new(replicas, replicas);

    /// <summary>The replicas to reserve: what the autoscaler wants now, never fewer than run, within the bounds.</summary>
    public int Clamp(int? wanted, int running) => Math.Clamp(Math.Max(wanted ?? Min, running), Min, Max);
}
