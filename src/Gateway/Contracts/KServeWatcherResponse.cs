namespace GpuSharing.Gateway.Contracts;

/// <summary>
/// A gateway replica's KServe watcher. <see cref="Objects"/> counts InferenceServices and LLMInferenceServices;
/// <see cref="WorkloadsSynced"/>: the pods and Deployments KServe made for them are listed (autoscaled objects wait for it).
/// </summary>
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
    long Resyncs,
    bool WorkloadsSynced);
