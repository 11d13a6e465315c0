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

    public List<MoveDecision> Moves { get; } = [];

    public List<UnplacedReplica> Unplaced { get; } = [];

    /// <summary>Replicas of one deployment share the reasons of their first refusal within a call.</summary>
    public Dictionary<string, PlacementExplanation> Explanations { get; } = new(StringComparer.Ordinal);

    public PlacementResult ToResult()
    {
        // A replica placed and then moved by a later decision within the same call appears once, where it ended; one
        // moved back to exactly where it was (same partitions, layout and bytes) did not move at all. A replica's
        // removals and placements alternate, so each removal cancels one placement of the same key (counted, not as a
        // set: placed at A, taken off A and placed at A again ends at A).
        var assigned = Cancel(Assigned, Removed);
        var removed = Cancel(Removed, Assigned);
        var placedLater = assigned.Select(a => (a.Deployment, a.Replica)).ToHashSet();
        var unplaced = Unplaced.Where(u => !placedLater.Contains((u.Deployment, u.Replica))).ToList();
        var reallyMoved = removed.Select(r => (r.Deployment, r.Replica)).Intersect(placedLater).ToHashSet();
        var moves = Moves.Where(m => reallyMoved.Contains((m.Deployment, m.Replica))).GroupBy(m => (m.Deployment, m.Replica)).Select(g => g.Last()).ToList();

        // A GPU repartitioned twice in one call is repartitioned once, from where it was to where it ends; not at all
        // when it ends where it was. Likewise a node's memory mode.
        var repartitions = Repartitions
            .GroupBy(r => (r.Node, r.Gpu))
            .Select(g => g.First() with { To = g.Last().To })
            .Where(r => r.From != r.To)
            .ToList();
        var memoryModeChanges = MemoryModeChanges
            .GroupBy(m => m.Node)
            .Select(g => g.First() with { To = g.Last().To })
            .Where(m => m.From != m.To)
            .ToList();
        return new PlacementResult(assigned, removed, repartitions, memoryModeChanges, Preemptions, unplaced, moves);
    }

    private static List<ReplicaAssignment> Cancel(List<ReplicaAssignment> kept, List<ReplicaAssignment> cancelling)
    {
        var pending = cancelling.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<ReplicaAssignment>();
        foreach (var item in kept)
        {
            var key = Key(item);
            if (pending.TryGetValue(key, out var count) && count > 0)
            {
                pending[key] = count - 1;
            }
            else
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static (string, int, string, int, int, int, Interfaces.Hardware.ComputeMode, long) Key(ReplicaAssignment a) =>
        (a.Deployment, a.Replica, a.Node, a.Gpu, a.FirstPartition, a.Span, a.ComputeMode, a.BytesPerPartition);
}
