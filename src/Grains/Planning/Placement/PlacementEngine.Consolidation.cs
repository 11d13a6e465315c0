using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Consolidation: undoing what arrival order did. Replicas placed one at a time, in whatever order they came, can end
/// up placed worse than the same set placed at once — a shared replica took an MI355X node in SPX before an exclusive
/// one needed NPS2, so the exclusive one took a whole GPU and a later replica found no room. Repairs, each tried in
/// full first and kept only if it is better and fair:
/// <list type="number">
/// <item>a re-layout — everything on a set of nodes taken off (the whole fleet while it is small, then one node at a
/// time), their layouts and memory modes chosen again, their replicas and the fleet's waiting ones placed in the batch
/// order — kept when more replicas are placed (high first, then medium, then low) or as many on fewer GPUs;</item>
/// <item>a lightly used GPU emptied — its replicas placed elsewhere, making room by moves where they must — kept when
/// a GPU is freed.</item>
/// </list>
/// Fair: a replica loses its place only to replicas of strictly higher priority placed in its stead, and a moved
/// replica gets less KV cache only when that places more replicas. Moving restarts the moved replicas, so the live
/// system runs this rarely and only when nothing else is going on.
/// </summary>
public sealed partial class PlacementEngine
{
    /// <summary>Up to this many GPUs, the whole fleet is tried as one re-layout (it is the batch plan, made fair).</summary>
    private const int WholeFleetRelayoutGpus = 64;

    private int _evacuating = -1;

    /// <summary>
    /// Re-lays out the fleet (while small) or the <paramref name="maxTried"/> least-used nodes where that gains, then
    /// empties whichever of as many least-used GPUs can be emptied.
    /// </summary>
    public PlacementResult Consolidate(int maxTried = 16)
    {
        _collector = new DecisionCollector();
        var reachable = _nodes.Where(n => n.Reachable).ToList();
        if (_gpus.Count <= WholeFleetRelayoutGpus && reachable.Count == _nodes.Count)
        {
            RelayoutIfBetter(reachable);
        }

        foreach (var node in reachable.Where(n => n.UsedGpus > 0).OrderBy(n => n.UsedGpus).ThenBy(n => n.Id).Take(maxTried).ToList())
        {
            Cancellation.ThrowIfCancellationRequested();
            RelayoutIfBetter([node]);
        }

        foreach (var gpu in _gpus.Where(g => g.Count > 0 && g.Schedulable).OrderBy(g => g.Count).ThenBy(g => g.Reservations().Sum(r => r.Bytes * r.Span)).ThenBy(g => g.Id).Take(maxTried).ToList())
        {
            Cancellation.ThrowIfCancellationRequested();
            if (gpu.Count == 0)
            {
                continue; // emptied by an earlier evacuation
            }

            BeginTrial();
            bool evacuated;
            try
            {
                evacuated = Evacuate(gpu);
            }
            finally
            {
                EndTrial();
            }

            if (evacuated)
            {
                Evacuate(gpu);
            }
        }

        return _collector.ToResult();
    }

    /// <summary>
    /// Tries the nodes re-laid out from their current layouts and from scratch (the family's default memory mode, as
    /// a fresh fleet starts), a single node also in each of its memory modes, and keeps the best that beats now.
    /// </summary>
    private void RelayoutIfBetter(IReadOnlyList<NodeSlot> nodes)
    {
        var gpus = nodes.SelectMany(n => n.Gpus).Select(g => _gpus[g]).ToList();
        if (gpus.Count == 0 || gpus.Any(g => !g.Schedulable) || nodes.Any(n => n.Gpus.Select(g => _gpus[g].Family).Distinct().Count() != 1))
        {
            return;
        }

        var variants = new List<Func<NodeSlot, MemoryMode>?> { null, n => _families[_gpus[n.Gpus[0]].Family].MemoryModes[0] };
        if (nodes.Count == 1)
        {
            variants.AddRange(_families[_gpus[nodes[0].Gpus[0]].Family].MemoryModes.Skip(1).Select(m => (Func<NodeSlot, MemoryMode>?)(_ => m)));
        }

        var now = (Placed: Placed(), Gpus: GpusUsed);
        (int Variant, (int, int, int) Placed, int Gpus)? best = null;
        for (var variant = 0; variant < variants.Count; variant++)
        {
            BeginTrial();
            try
            {
                if (Relayout(nodes, variants[variant]) is { } outcome && Fair(now.Placed, Placed(), outcome)
                    && Better((Placed(), GpusUsed), best is { } b ? (b.Placed, b.Gpus) : now))
                {
                    best = (variant, Placed(), GpusUsed);
                }
            }
            finally
            {
                EndTrial();
            }
        }

        if (best is { } chosen && Relayout(nodes, variants[chosen.Variant]) is { } done)
        {
            foreach (var r in done.Lost)
            {
                var gpu = _gpus[r.Gpu];
                _collector.Preemptions.Add(new PreemptionDecision(r.Deployment, r.Replica, r.Priority, _nodes[gpu.Node].Name, gpu.Index, done.Reason));
                if (_deployments.TryGetValue(r.Deployment, out var slot))
                {
                    _collector.Unplaced.Add(new UnplacedReplica(r.Deployment, r.Replica, _explainer.Explain(slot, r.Replica, _collector.Explanations)));
                }
            }
        }

        static bool Better(((int, int, int) Placed, int Gpus) candidate, ((int, int, int) Placed, int Gpus) than) =>
            candidate.Placed.CompareTo(than.Placed) > 0 || (candidate.Placed.Equals(than.Placed) && candidate.Gpus < than.Gpus);
    }

    /// <summary>
    /// A replica may lose its place only to replicas of strictly higher priority placed in its stead — the first
    /// priority (from high down) whose count changes gains, and every loss is below it — and may get less KV cache
    /// only when more replicas are placed.
    /// </summary>
    private static bool Fair((int High, int Medium, int Low) before, (int High, int Medium, int Low) after, RelayoutOutcome outcome)
    {
        var gained = after.High != before.High ? (after.High > before.High ? Priority.High : (Priority?)null)
            : after.Medium != before.Medium ? (after.Medium > before.Medium ? Priority.Medium : null)
            : after.Low != before.Low ? (after.Low > before.Low ? Priority.Low : null)
            : (Priority?)null;
        if (outcome.LostPriorities.Count > 0 && (gained is not { } p || outcome.LostPriorities.Any(l => l >= p)))
        {
            return false;
        }

        return outcome.Shrunk == 0 || gained is not null;
    }

    /// <summary>
    /// Takes everything off <paramref name="nodes"/>, puts each in the memory mode <paramref name="memory"/> gives it
    /// (null: as it is), and places their replicas and every waiting replica of the fleet in the batch order. Null when
    /// the nodes hold a replica whose demand is unknown.
    /// </summary>
    private RelayoutOutcome? Relayout(IReadOnlyList<NodeSlot> nodes, Func<NodeSlot, MemoryMode>? memory)
    {
        var held = nodes.SelectMany(n => n.Gpus).SelectMany(g => _gpus[g].Reservations()).ToList();
        if (held.Any(r => _deployments.GetValueOrDefault(r.Deployment)?.Demand is null))
        {
            return null;
        }

        foreach (var replica in held)
        {
            Evict(replica);
        }

        foreach (var node in nodes)
        {
            if (memory?.Invoke(node) is { } target)
            {
                if (target != node.Memory)
                {
                    SetNodeMemory(node, target);
                }

                // From scratch: every GPU in the largest partitions the memory mode allows, as a fresh node starts.
                foreach (var gpu in node.Gpus.Select(g => _gpus[g]))
                {
                    var family = _families[gpu.Family];
                    SetMode(gpu, Modes.First(m => family.ComputeModes.Contains(m) && family.IsValid(m, target)));
                }
            }
        }

        var reason = nodes.Count == 1 ? $"re-layout of node {nodes[0].Name}" : $"re-layout of {nodes.Count} nodes";
        // The batch order; within a deployment, the replicas that had a place before those that wait (replicas of one
        // deployment are alike: a waiting one must not take the place of one that had it and leave that one out).
        var moved = held.ToDictionary(r => (r.Deployment, r.Replica));
        var waiting = _deployments.Values
            .Where(d => d.Demand is not null)
            .SelectMany(d => Enumerable.Range(0, d.Demand!.Replicas).Where(r => !d.Replicas.ContainsKey(r)).Select(r => (Slot: d, Replica: r)))
            .OrderByDescending(x => x.Slot.Demand!.Priority)
            .ThenBy(x => x.Slot.Demand!.Isolation)
            .ThenByDescending(x => x.Slot.Demand!.Size.TargetBytes())
            .ThenBy(x => x.Slot.Name, StringComparer.Ordinal)
            .ThenBy(x => moved.ContainsKey((x.Slot.Name, x.Replica)) ? 0 : 1)
            .ThenBy(x => x.Replica)
            .ToList();
        var lost = new List<SlotReservation>();
        var shrunk = 0;
        var preemptionsBefore = _collector.Preemptions.Count;
        foreach (var (slot, replica) in waiting)
        {
            var placed = slot.Replicas.ContainsKey(replica) || PlaceReplica(slot, replica, allowPreemption: true);
            if (!moved.TryGetValue((slot.Name, replica), out var before))
            {
                continue; // a waiting replica: placed or not, nobody lost anything
            }

            if (!placed)
            {
                lost.Add(before);
                continue;
            }

            var now = slot.Replicas[replica];
            shrunk += before.FullKv && !now.FullKv ? 1 : 0;
            var gpu = _gpus[now.Gpu];
            _collector.Moves.Add(new MoveDecision(slot.Name, replica, before.Priority, _nodes[gpu.Node].Name, gpu.Index, reason));
        }

        // Making room for a replica may have preempted others elsewhere; those count as lost too.
        var preempted = _collector.Preemptions.Skip(preemptionsBefore).Select(p => p.Priority);
        return new RelayoutOutcome(lost, [.. lost.Select(r => r.Priority), .. preempted], shrunk, reason);
    }

    private bool Evacuate(GpuSlot gpu)
    {
        var replicas = gpu.Reservations().ToList();
        if (replicas.Any(r => _deployments.GetValueOrDefault(r.Deployment)?.Demand is null))
        {
            return false; // a replica whose demand is unknown cannot be placed again
        }

        var gpusBefore = GpusUsed;
        var preemptionsBefore = _collector.Preemptions.Count;
        var removedBefore = _collector.Removed.Count;
        var reason = $"consolidation of {_nodes[gpu.Node].Name}/{gpu.Index}";
        _evacuating = gpu.Id;
        try
        {
            foreach (var replica in replicas)
            {
                Evict(replica);
            }

            foreach (var replica in replicas.OrderByDescending(r => r.Priority).ThenByDescending(r => r.Bytes * r.Span).ThenBy(r => r.Deployment, StringComparer.Ordinal))
            {
                var slot = _deployments[replica.Deployment];
                if (!PlaceReplica(slot, replica.Replica, allowPreemption: true))
                {
                    return false;
                }

                var now = _gpus[slot.Replicas[replica.Replica].Gpu];
                _collector.Moves.Add(new MoveDecision(replica.Deployment, replica.Replica, replica.Priority, _nodes[now.Node].Name, now.Index, reason));
            }
        }
        finally
        {
            _evacuating = -1;
        }

        // Kept only if nobody lost a place or KV cache (here or in the moves made to make room) and a GPU was freed.
        var keptKv = _collector.Removed.Skip(removedBefore).All(r => !r.FullKv
            || (_deployments.GetValueOrDefault(r.Deployment)?.Replicas.GetValueOrDefault(r.Replica) is { FullKv: true }));
        return _collector.Preemptions.Count == preemptionsBefore && keptKv && GpusUsed < gpusBefore;
    }

    private (int High, int Medium, int Low) Placed()
    {
        var counts = new int[3];
        foreach (var slot in _deployments.Values)
        {
            foreach (var replica in slot.Replicas.Values)
            {
                counts[(int)replica.Priority]++;
            }
        }

        return (counts[(int)Priority.High], counts[(int)Priority.Medium], counts[(int)Priority.Low]);
    }
}
