using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// The state changes every decision is made of: assign, release, repartition, memory-mode change. While a trial runs
/// (<see cref="BeginTrial"/>), each change records how to undo itself, so that a way of making room can be tried in
/// full — evictions, a new layout, the replica placed, the evicted ones placed again — scored, and rolled back.
/// </summary>
public sealed partial class PlacementEngine
{
    // One journal per trial; a trial may run inside another (a consolidation tries an evacuation, whose placements
    // try ways of making room): changes go to the innermost journal, and what an inner trial carries out for real is
    // undone with the outer one.
    private readonly Stack<(List<Action> Undo, (int, int, int, int, int, int, int) Marks)> _trials = new();

    private bool _undoing;

    private List<Action>? Journal => _undoing || _trials.Count == 0 ? null : _trials.Peek().Undo;

    private bool InTrial => _trials.Count > 0;

    private void BeginTrial() =>
        _trials.Push(([], (_collector.Assigned.Count, _collector.Removed.Count, _collector.Repartitions.Count, _collector.MemoryModeChanges.Count,
            _collector.Preemptions.Count, _collector.Moves.Count, _collector.Unplaced.Count)));

    /// <summary>Undoes every change since the matching <see cref="BeginTrial"/>, last first, and forgets what the trial decided.</summary>
    private void EndTrial()
    {
        var (undo, marks) = _trials.Pop();
        _undoing = true; // undoing must not journal itself into an outer trial
        try
        {
            for (var i = undo.Count - 1; i >= 0; i--)
            {
                undo[i]();
            }
        }
        finally
        {
            _undoing = false;
        }

        var (assigned, removed, repartitions, memoryModeChanges, preemptions, moves, unplaced) = marks;
        Truncate(_collector.Assigned, assigned);
        Truncate(_collector.Removed, removed);
        Truncate(_collector.Repartitions, repartitions);
        Truncate(_collector.MemoryModeChanges, memoryModeChanges);
        Truncate(_collector.Preemptions, preemptions);
        Truncate(_collector.Moves, moves);
        Truncate(_collector.Unplaced, unplaced);

        static void Truncate<T>(List<T> list, int count) => list.RemoveRange(count, list.Count - count);
    }

    private void Assign(DeploymentSlot slot, int replica, GpuSlot gpu, int first, int span, long bytes, PartitionFit fit)
    {
        var demand = slot.Demand!;
        var reservation = new SlotReservation(demand.Deployment, replica, gpu.Id, first, span, bytes, demand.Priority, demand.Isolation, fit.KvBytes, fit.FullKv);
        Unindex(gpu);
        Apply(reservation);
        Index(gpu);
        slot.Replicas[replica] = reservation;
        _collector.Assigned.Add(Describe(reservation));
        Journal?.Add(() => Release(reservation));
    }

    /// <summary>Takes a replica off its partitions; while a trial runs, remembers how to put it back.</summary>
    private void Evict(SlotReservation r)
    {
        Release(r);
        _collector.Removed.Add(Describe(r));
        Journal?.Add(() =>
        {
            var gpu = _gpus[r.Gpu];
            Unindex(gpu);
            Apply(r);
            Index(gpu);
            if (_deployments.TryGetValue(r.Deployment, out var slot))
            {
                slot.Replicas[r.Replica] = r;
            }
        });
    }

    private void Apply(SlotReservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        var wasEmpty = gpu.Count == 0;
        gpu.Add(r);
        node.Deployments[r.Deployment] = node.Deployments.GetValueOrDefault(r.Deployment) + 1;
        if (wasEmpty && ++node.UsedGpus == 1)
        {
            Rerank(node, except: gpu.Id);
        }
    }

    private void Release(SlotReservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        Unindex(gpu);
        gpu.Remove(r);
        if (node.Deployments[r.Deployment] == 1)
        {
            node.Deployments.Remove(r.Deployment);
        }
        else
        {
            node.Deployments[r.Deployment]--;
        }

        if (_deployments.TryGetValue(r.Deployment, out var slot) && slot.Replicas.TryGetValue(r.Replica, out var current) && ReferenceEquals(current, r))
        {
            slot.Replicas.Remove(r.Replica);
        }

        if (gpu.Count == 0 && --node.UsedGpus == 0)
        {
            Rerank(node, except: gpu.Id);
        }

        Index(gpu);
    }

    private void SetMode(GpuSlot gpu, ComputeMode mode)
    {
        if (gpu.Mode == mode)
        {
            return;
        }

        _collector.Repartitions.Add(new RepartitionDecision(_nodes[gpu.Node].Name, gpu.Index, gpu.Mode, mode));
        var previous = gpu.Mode;
        Journal?.Add(() => SetMode(gpu, previous));
        Unindex(gpu);
        var partitionBytes = gpu.DeviceBytes / (int)mode;
        gpu.Configure(mode, partitionBytes, _sizing.Usable(partitionBytes));
        Index(gpu);
    }

    private void SetNodeMemory(NodeSlot node, MemoryMode memory)
    {
        _collector.MemoryModeChanges.Add(new MemoryModeDecision(node.Name, node.Memory, memory));
        var previous = node.Memory;
        Journal?.Add(() => SetNodeMemoryOnly(node, previous));
        SetNodeMemoryOnly(node, memory);
        foreach (var id in node.Gpus)
        {
            var gpu = _gpus[id];
            var family = _families[gpu.Family];
            if (!family.IsValid(gpu.Mode, memory))
            {
                SetMode(gpu, family.ComputeModeAfterMemoryChange(gpu.Mode, memory));
            }
        }
    }

    private void SetNodeMemoryOnly(NodeSlot node, MemoryMode memory)
    {
        foreach (var id in node.Gpus)
        {
            Unindex(_gpus[id]);
        }

        node.Memory = memory;
        foreach (var id in node.Gpus)
        {
            Index(_gpus[id]);
        }
    }
}
