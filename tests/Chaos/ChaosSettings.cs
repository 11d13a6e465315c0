namespace GpuSharing.Chaos;

/// <summary>How hard the suites push: the short mode runs in CI, the long one by hand (see the README's "Guarantees").</summary>
public sealed record ChaosSettings(bool Long, int Seed)
{
    /// <summary>Silos killed (SIGKILL) and restarted in turn: node-b, control-1, node-a, control-2, …</summary>
    public int Kills => Long ? 9 : 2;

    /// <summary>How long a killed silo stays down.</summary>
    public TimeSpan Down => Long ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(3);

    /// <summary>Load between a restart and the next kill.</summary>
    public TimeSpan Between => Long ? TimeSpan.FromSeconds(8) : TimeSpan.FromSeconds(2);

    public int Deployments => Long ? 24 : 12;

    public int Workers => 3;

    /// <summary>How long storage is frozen (SIGSTOP), and then cut off (connections reset and refused), under load.</summary>
    public TimeSpan Outage => Long ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(5);

    public int FuzzRequests => Long ? 6000 : 400;

    /// <summary>The placement grain's reconciliation period for the run (the product's default is 30 s).</summary>
    public TimeSpan Reconciliation => TimeSpan.FromSeconds(5);

    public TimeSpan ConvergeTimeout => TimeSpan.FromSeconds(Long ? 300 : 150);
}
