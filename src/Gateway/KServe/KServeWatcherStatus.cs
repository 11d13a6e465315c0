namespace GpuSharing.Gateway.KServe;

/// <summary>What the watcher is doing, for <c>GET /api/v1/kserve</c> and the logs.</summary>
public sealed class KServeWatcherStatus
{
    private int _leader;

    public bool IsLeader
    {
        get => Volatile.Read(ref _leader) == 1;
        set => Volatile.Write(ref _leader, value ? 1 : 0);
    }

    public DateTimeOffset? LeadingSince { get; set; }

    private long _writes;
    private long _lists;
    private long _reconciles;
    private long _resyncs;
    private long _conflicts;

    /// <summary>Reconciles finished since start.</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    /// <summary>Patches sent to the API server since start (a no-change resync adds none).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Lists done since start: the first of each scope, and one per 410 Gone.</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>Periodic resyncs done since start (each queues every cached object once).</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>Writes the API server refused with 409 Conflict since start (the object is reconciled again).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    public void RecordWrite() => Interlocked.Increment(ref _writes);

    public void RecordConflict() => Interlocked.Increment(ref _conflicts);

    public void RecordList() => Interlocked.Increment(ref _lists);

    public void RecordReconcile() => Interlocked.Increment(ref _reconciles);

    public void RecordResync() => Interlocked.Increment(ref _resyncs);
}
