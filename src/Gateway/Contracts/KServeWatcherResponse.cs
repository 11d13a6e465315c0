namespace GpuSharing.Gateway.Contracts;

/// <summary>A gateway replica's InferenceService watcher.</summary>
public sealed record KServeWatcherResponse(
    bool Enabled,
    string Identity,
    bool Leader,
    DateTimeOffset? LeadingSince,
    bool Synced,
    int Objects,
    int Queued,
    long Reconciles,
    long Writes,
    long Lists,
    long Resyncs);
