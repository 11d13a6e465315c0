using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>What one call of the engine decided.</summary>
internal sealed class DecisionCollector
{
    public List<ReplicaAssignment> Assigned { get; } = [];

    public List<ReplicaAssignment> Removed { get; } = [];

    public List<RepartitionDecision> Repartitions { get; } = [];

    public List<MemoryModeDecision> MemoryModeChanges { get; } = [];

    public List<PreemptionDecision> Preemptions { get; } = [];

    public List<UnplacedReplica> Unplaced { get; } = [];

    /// <summary>Replicas of one deployment share the reasons of their first refusal within a call.</summary>
    public Dictionary<string, PlacementExplanation> Explanations { get; } = new(StringComparer.Ordinal);

    public PlacementResult ToResult()
    {
        // A replica placed and then moved by a later preemption within the same call appears once, where it ended.
        var removedKeys = Removed.Select(r => (r.Deployment, r.Replica, r.Node, r.Gpu, r.FirstPartition)).ToHashSet();
        var assigned = Assigned.Where(a => !removedKeys.Contains((a.Deployment, a.Replica, a.Node, a.Gpu, a.FirstPartition))).ToList();
        var assignedKeys = Assigned.Select(a => (a.Deployment, a.Replica, a.Node, a.Gpu, a.FirstPartition)).ToHashSet();
        var removed = Removed.Where(r => !assignedKeys.Contains((r.Deployment, r.Replica, r.Node, r.Gpu, r.FirstPartition))).ToList();
        var placedLater = assigned.Select(a => (a.Deployment, a.Replica)).ToHashSet();
        var unplaced = Unplaced.Where(u => !placedLater.Contains((u.Deployment, u.Replica))).ToList();
        return new PlacementResult(assigned, removed, Repartitions, MemoryModeChanges, Preemptions, unplaced);
    }
}
