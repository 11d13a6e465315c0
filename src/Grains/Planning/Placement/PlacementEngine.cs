using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Decides where replicas go and how GPUs are partitioned. It holds the fleet and its reservations in memory with
/// indexes, so that placing one deployment (<see cref="Place"/>) costs microseconds and a batch (<see cref="PlaceAll"/>)
/// is the same code run per replica in a fixed order. Plain C#, deterministic: the same fleet and demands in the
/// same order give the same decisions (ties break by node name, GPU index, partition, deployment name).
/// <para>
/// Hard rules (a decision that breaks one is a bug): a partition's reservations never exceed its usable VRAM; an
/// exclusive replica is alone on its partitions; replicas of one deployment are on different GPUs (different nodes
/// when the fleet allows); a GPU with reservations is never repartitioned and a node with reservations never changes
/// memory mode, except after preempting strictly lower-priority reservations; every mode is valid for its family.
/// </para>
/// <para>
/// Order of preference for a replica: a GPU already in use where it fits with its full KV cache (best fit, fewest GPUs),
/// then an empty GPU (the smallest partition that holds an exclusive replica; large partitions for shared ones, which
/// pack better; no repartition where a GPU already has the right layout; nodes already in use before empty nodes),
/// then a smaller KV cache down to its minimum, then preempting lower-priority replicas (fewest, lowest first).
/// </para>
/// </summary>
public sealed class PlacementEngine
{
    private const int MaxExplainedGpus = 64;
    private static readonly ComputeMode[] Modes = [ComputeMode.SPX, ComputeMode.DPX, ComputeMode.QPX, ComputeMode.CPX];
    private static readonly int[] Spans = [1, 2, 4, 8];

    private readonly SizingOptions _sizing;
    private readonly List<GpuFamily> _families = [];
    private readonly List<long> _familyDeviceBytes = [];
    private readonly List<NodeSlot> _nodes = [];
    private readonly List<GpuSlot> _gpus = [];
    private readonly Dictionary<string, DeploymentSlot> _deployments = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ModeIndex> _modeIndexes = [];
    private readonly Dictionary<int, SortedSet<(int Rank, int Gpu)>> _empty = [];
    private Collector _collector = new();

    private readonly bool _allowRepartition;

    /// <param name="allowRepartition">False keeps every GPU in its current layout (the "no partition-mode choice" baseline).</param>
    public PlacementEngine(FleetSnapshot fleet, SizingOptions? sizing = null, bool allowRepartition = true)
    {
        _sizing = sizing ?? SizingOptions.Default;
        _allowRepartition = allowRepartition;
        foreach (var node in fleet.Nodes.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var nodeSlot = new NodeSlot(_nodes.Count, node.Name, node.MemoryMode, node.Reachable);
            _nodes.Add(nodeSlot);
            foreach (var gpu in node.Gpus.OrderBy(g => g.Index))
            {
                var family = FamilyId(gpu.Family, gpu.PartitionBytes * (int)gpu.ComputeMode);
                var slot = new GpuSlot(_gpus.Count, nodeSlot.Id, gpu.Index, family, gpu.Schedulable && node.Reachable);
                slot.Configure(gpu.ComputeMode, gpu.PartitionBytes, _sizing.Usable(gpu.PartitionBytes));
                _gpus.Add(slot);
                nodeSlot.Gpus.Add(slot.Id);
            }
        }

        // Existing reservations, as they are: the engine never moves them unless asked to or preempting.
        foreach (var node in fleet.Nodes)
        {
            var nodeSlot = _nodes.Single(n => n.Name == node.Name);
            foreach (var gpu in node.Gpus)
            {
                var slot = _gpus[nodeSlot.Gpus.Single(g => _gpus[g].Index == gpu.Index)];
                foreach (var r in gpu.Reservations.OrderBy(r => r.FirstPartition).ThenBy(r => r.Deployment, StringComparer.Ordinal))
                {
                    var deployment = Deployment(r.Deployment);

                    // Two reservations claiming one replica index would lose one: the second takes the next free index.
                    var index = r.Replica;
                    while (deployment.Replicas.ContainsKey(index))
                    {
                        index++;
                    }

                    var reservation = new Reservation(r.Deployment, index, slot.Id, r.FirstPartition, r.Span, r.BytesPerPartition, r.Priority, r.Isolation, 0, true);
                    deployment.Replicas[index] = reservation;
                    deployment.Priority = r.Priority;
                    Apply(reservation);
                }
            }
        }

        foreach (var gpu in _gpus)
        {
            Index(gpu);
        }
    }

    /// <summary>GPUs with at least one reservation.</summary>
    public int GpusUsed => _gpus.Count(g => g.Count > 0);

    public int GpuCount => _gpus.Count;

    public IReadOnlyList<GpuFamily> Families => _families;

    /// <summary>Places (or re-places) one deployment: missing replicas are added, surplus ones removed, all of them redone when its size or class changed.</summary>
    public PlacementResult Place(PlacementDemand demand)
    {
        _collector = new Collector();
        PlaceOne(demand);
        return _collector.ToResult();
    }

    /// <summary>Places many deployments: high before medium before low, exclusive before shared, larger before smaller, then by name.</summary>
    public PlacementResult PlaceAll(IEnumerable<PlacementDemand> demands)
    {
        _collector = new Collector();
        foreach (var demand in demands
                     .OrderByDescending(d => d.Priority)
                     .ThenBy(d => d.Isolation)
                     .ThenByDescending(d => d.Size.TargetBytes())
                     .ThenBy(d => d.Deployment, StringComparer.Ordinal))
        {
            PlaceOne(demand);
        }

        return _collector.ToResult();
    }

    /// <summary>Releases every replica of a deployment.</summary>
    public PlacementResult Remove(string deployment)
    {
        _collector = new Collector();
        if (_deployments.Remove(deployment, out var slot))
        {
            foreach (var replica in slot.Replicas.Values.ToList())
            {
                Release(replica);
                _collector.Removed.Add(Describe(replica));
            }
        }

        return _collector.ToResult();
    }

    /// <summary>Where each replica of a deployment is now.</summary>
    public IReadOnlyList<ReplicaAssignment> Assignments(string deployment) =>
        _deployments.TryGetValue(deployment, out var slot) ? [.. slot.Replicas.Values.Select(Describe)] : [];

    /// <summary>Every replica, by deployment then replica.</summary>
    public IEnumerable<ReplicaAssignment> AllAssignments() =>
        _deployments.Keys.Order(StringComparer.Ordinal).SelectMany(d => _deployments[d].Replicas.Values.Select(Describe));

    /// <summary>The fleet as it would be after the decisions so far.</summary>
    public FleetSnapshot Snapshot() => new([.. _nodes.Select(n => new PlanningNode(
        n.Name,
        n.Memory,
        n.Reachable,
        [.. n.Gpus.Select(id => _gpus[id]).Select(g => new PlanningGpu(
            g.Index,
            _families[g.Family],
            g.Mode,
            g.PartitionBytes,
            g.Schedulable,
            [.. g.Reservations().Select(r => new PlanningReservation(r.Deployment, r.Replica, r.First, r.Span, r.Bytes, r.Priority, r.Isolation))]))]))]);

    /// <summary>The smallest fraction of a GPU (½ for a DPX partition, ¼ for two CPX partitions…) of its family that holds the replica with <paramref name="kvBytes"/> of KV cache.</summary>
    public static double SmallestFraction(GpuFamily family, long deviceBytes, ReplicaSize size, int maxTensorParallel, long kvBytes, SizingOptions sizing)
    {
        var best = double.MaxValue;
        foreach (var mode in family.ComputeModes)
        {
            var usable = sizing.Usable(deviceBytes / (int)mode);
            foreach (var span in Spans)
            {
                if (span > (int)mode || span > maxTensorParallel)
                {
                    continue;
                }

                if (size.Fit(usable, span) is { } fit && fit.KvBytes >= kvBytes)
                {
                    best = Math.Min(best, (double)span / (int)mode);
                }
            }
        }

        return best;
    }

    private void PlaceOne(PlacementDemand demand)
    {
        var slot = Deployment(demand.Deployment);
        if (slot.Demand is { } previous && (previous.Size != demand.Size || previous.Isolation != demand.Isolation || previous.MaxTensorParallel != demand.MaxTensorParallel || previous.Node != demand.Node || previous.Gpu != demand.Gpu || previous.Priority != demand.Priority))
        {
            foreach (var replica in slot.Replicas.Values.ToList())
            {
                Release(replica);
                _collector.Removed.Add(Describe(replica));
            }
        }
        else if (slot.Demand is null && slot.Replicas.Count > 0)
        {
            // Reservations found in the fleet before the engine knew the demand: keep those that still fit the spec.
            foreach (var replica in slot.Replicas.Values.Where(r => r.Isolation != demand.Isolation).ToList())
            {
                Release(replica);
                _collector.Removed.Add(Describe(replica));
            }
        }

        slot.Demand = demand;
        slot.Priority = demand.Priority;
        foreach (var surplus in slot.Replicas.Keys.Where(k => k >= demand.Replicas).ToList())
        {
            var replica = slot.Replicas[surplus];
            Release(replica);
            _collector.Removed.Add(Describe(replica));
        }

        for (var replica = 0; replica < demand.Replicas; replica++)
        {
            if (!slot.Replicas.ContainsKey(replica))
            {
                PlaceReplica(slot, replica, allowPreemption: true);
            }
        }
    }

    private bool PlaceReplica(DeploymentSlot slot, int replica, bool allowPreemption)
    {
        var demand = slot.Demand!;
        var placed = demand.Isolation == Isolation.Exclusive ? TryExclusive(slot, replica) : TryShared(slot, replica);
        if (!placed && allowPreemption)
        {
            placed = TryPreempt(slot, replica);
        }

        if (!placed)
        {
            _collector.Unplaced.Add(new UnplacedReplica(demand.Deployment, replica, Explain(slot, replica)));
        }

        return placed;
    }

    // ---- exclusive ------------------------------------------------------------------------------------------------

    private bool TryExclusive(DeploymentSlot slot, int replica)
    {
        var options = ExclusiveOptions(slot);

        // 1. A GPU already in use, in the right layout, with enough free partitions: no new GPU, no repartition.
        foreach (var option in options.Where(o => o.Fit.FullKv))
        {
            if (FindUsedForExclusive(slot, option) is { } found)
            {
                Assign(slot, replica, _gpus[found.Gpu], found.First, option.Span, option.Fit.BytesPerPartition, option.Fit);
                return true;
            }
        }

        // 2. An empty GPU, in the smallest partition that holds the replica with its full KV cache.
        foreach (var option in options.Where(o => o.Fit.FullKv))
        {
            if (OpenEmpty(slot, option.Family, option.Mode) is { } gpu)
            {
                Assign(slot, replica, gpu, 0, option.Span, gpu.Fit(slot.Demand!.Size, option.Span)!.BytesPerPartition, gpu.Fit(slot.Demand.Size, option.Span)!);
                return true;
            }
        }

        // 3. A smaller KV cache (down to the minimum): the largest partitions first, to keep as much as possible.
        foreach (var option in options.Where(o => !o.Fit.FullKv).OrderByDescending(o => o.Fraction).ThenBy(o => o.Span))
        {
            if (FindUsedForExclusive(slot, option) is { } found)
            {
                var gpu = _gpus[found.Gpu];
                var fit = gpu.Fit(slot.Demand!.Size, option.Span)!;
                Assign(slot, replica, gpu, found.First, option.Span, fit.BytesPerPartition, fit);
                return true;
            }

            if (OpenEmpty(slot, option.Family, option.Mode) is { } empty)
            {
                var fit = empty.Fit(slot.Demand!.Size, option.Span)!;
                Assign(slot, replica, empty, 0, option.Span, fit.BytesPerPartition, fit);
                return true;
            }
        }

        return false;
    }

    private List<ExclusiveOption> ExclusiveOptions(DeploymentSlot slot)
    {
        var demand = slot.Demand!;
        var options = new List<ExclusiveOption>();
        for (var family = 0; family < _families.Count; family++)
        {
            foreach (var mode in _families[family].ComputeModes)
            {
                var usable = ClassUsable(family, mode);
                foreach (var span in Spans)
                {
                    if (span <= (int)mode && span <= demand.MaxTensorParallel && demand.Size.Fit(usable, span) is { } fit)
                    {
                        options.Add(new ExclusiveOption(family, mode, span, fit, (double)span / (int)mode));
                    }
                }
            }
        }

        return [.. options.OrderBy(o => o.Fraction).ThenBy(o => o.Span).ThenBy(o => o.Family).ThenBy(o => o.Mode)];
    }

    private (int Gpu, int First)? FindUsedForExclusive(DeploymentSlot slot, ExclusiveOption option)
    {
        if (!_modeIndexes.TryGetValue(Key(option.Family, option.Mode), out var index))
        {
            return null;
        }

        for (var pass = 0; pass < 2; pass++)
        {
            for (var free = option.Span; free <= 8; free++)
            {
                if (index.ByFreeParts[free] is not { Count: > 0 } gpus)
                {
                    continue;
                }

                foreach (var id in gpus)
                {
                    var gpu = _gpus[id];
                    if (!Allowed(slot, gpu, pass) || gpu.Fit(slot.Demand!.Size, option.Span) is not { } fit || (option.Fit.FullKv && !fit.FullKv))
                    {
                        continue;
                    }

                    if (gpu.FreeBlock(option.Span) is { } first)
                    {
                        return (id, first);
                    }
                }
            }
        }

        return null;
    }

    // ---- shared ---------------------------------------------------------------------------------------------------

    private bool TryShared(DeploymentSlot slot, int replica)
    {
        var size = slot.Demand!.Size;

        // 1. A partition of its own on a GPU already in use (isolation that costs no GPU), the smallest that holds it;
        //    else best fit into a shared partition of a GPU already in use, with the full KV cache.
        for (var pass = 0; pass < 2; pass++)
        {
            (int Gpu, int Partition, long Usable)? own = null;
            foreach (var (key, index) in _modeIndexes.OrderBy(i => i.Key))
            {
                if (size.Fit(index.Usable, 1) is not { FullKv: true } || (own is { } current && current.Usable <= index.Usable))
                {
                    continue;
                }

                for (var free = 1; free <= 8 && own?.Usable != index.Usable; free++)
                {
                    foreach (var id in index.ByFreeParts[free] ?? [])
                    {
                        if (Allowed(slot, _gpus[id], pass) && size.Fit(_gpus[id].Usable, 1) is { FullKv: true } && _gpus[id].FreeBlock(1) is { } partition)
                        {
                            own = (id, partition, index.Usable);
                            break;
                        }
                    }
                }
            }

            if (own is { } isolated)
            {
                var gpu = _gpus[isolated.Gpu];
                var fit = size.Fit(gpu.Usable, 1)!;
                Assign(slot, replica, gpu, isolated.Partition, 1, fit.BytesPerPartition, fit);
                return true;
            }

            (int Key, long Leftover, long Need)? best = null;
            foreach (var (key, index) in _modeIndexes.OrderBy(i => i.Key))
            {
                if (size.Fit(index.Usable, 1) is not { FullKv: true } fit)
                {
                    continue;
                }

                var found = index.Shared.BestFit(fit.BytesPerPartition, FreeOf, k => Allowed(slot, _gpus[k >> 3], pass));
                if (found is { } partition && (best is null || FreeOf(partition) - fit.BytesPerPartition < best.Value.Leftover))
                {
                    best = (partition, FreeOf(partition) - fit.BytesPerPartition, fit.BytesPerPartition);
                }
            }

            if (best is { } chosen)
            {
                var gpu = _gpus[chosen.Key >> 3];
                Assign(slot, replica, gpu, chosen.Key & 7, 1, chosen.Need, size.Fit(gpu.Usable, 1)!);
                return true;
            }
        }

        // 2. An empty GPU: large partitions pack shared replicas best; keep a GPU's layout where it already fits.
        if (OpenEmptyForShared(slot, fullKv: true) is { } opened)
        {
            var fit = size.Fit(opened.Usable, 1)!;
            Assign(slot, replica, opened, 0, 1, fit.BytesPerPartition, fit);
            return true;
        }

        // 3. A smaller KV cache: the partition in use with the most room, then an empty GPU.
        for (var pass = 0; pass < 2; pass++)
        {
            (int Key, long Free)? best = null;
            foreach (var (_, index) in _modeIndexes.OrderBy(i => i.Key))
            {
                var found = index.Shared.Largest(size.MinimumBytes(), FreeOf, k => Allowed(slot, _gpus[k >> 3], pass) && size.Fit(FreeOf(k), 1) is not null);
                if (found is { } partition && (best is null || FreeOf(partition) > best.Value.Free))
                {
                    best = (partition, FreeOf(partition));
                }
            }

            if (best is { } chosen)
            {
                var gpu = _gpus[chosen.Key >> 3];
                var fit = size.Fit(Math.Min(chosen.Free, gpu.Usable), 1)!;
                Assign(slot, replica, gpu, chosen.Key & 7, 1, fit.BytesPerPartition, fit);
                return true;
            }
        }

        if (OpenEmptyForShared(slot, fullKv: false) is { } shrunk)
        {
            var fit = size.Fit(shrunk.Usable, 1)!;
            Assign(slot, replica, shrunk, 0, 1, fit.BytesPerPartition, fit);
            return true;
        }

        return false;
    }

    private GpuSlot? OpenEmptyForShared(DeploymentSlot slot, bool fullKv)
    {
        var size = slot.Demand!.Size;
        bool Fits(int family, ComputeMode mode) => size.Fit(ClassUsable(family, mode), 1) is { } fit && (fit.FullKv || !fullKv);

        // An empty GPU whose layout already fits, largest partitions first: no repartition.
        for (var pass = 0; pass < 2; pass++)
        {
            for (var family = 0; family < _families.Count; family++)
            {
                foreach (var mode in Modes.Where(m => _families[family].ComputeModes.Contains(m) && Fits(family, m)))
                {
                    if (_empty.TryGetValue(Key(family, mode), out var empties))
                    {
                        foreach (var (_, id) in empties)
                        {
                            var gpu = _gpus[id];
                            if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory))
                            {
                                return gpu;
                            }
                        }
                    }
                }
            }
        }

        // Otherwise repartition an empty GPU to the largest partitions its node's memory mode allows.
        for (var family = 0; family < _families.Count; family++)
        {
            foreach (var mode in Modes.Where(m => _families[family].ComputeModes.Contains(m) && Fits(family, m)))
            {
                if (OpenEmpty(slot, family, mode) is { } gpu)
                {
                    return gpu;
                }
            }
        }

        return null;
    }

    // ---- empty GPUs -----------------------------------------------------------------------------------------------

    /// <summary>
    /// An empty GPU put in <paramref name="mode"/>: one already in it, else one whose node allows it (repartition),
    /// else one on an empty node whose memory mode changes (a driver reload; the last resort). Nodes in use first.
    /// </summary>
    private GpuSlot? OpenEmpty(DeploymentSlot slot, int family, ComputeMode mode)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            if (_empty.TryGetValue(Key(family, mode), out var same))
            {
                foreach (var (_, id) in same)
                {
                    var gpu = _gpus[id];
                    if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory))
                    {
                        return gpu;
                    }
                }
            }
        }

        if (!_allowRepartition)
        {
            return null;
        }

        GpuSlot? repartition = null;
        for (var pass = 0; pass < 2 && repartition is null; pass++)
        {
            foreach (var other in Modes.Where(m => m != mode))
            {
                if (!_empty.TryGetValue(Key(family, other), out var empties))
                {
                    continue;
                }

                foreach (var (rank, id) in empties)
                {
                    var gpu = _gpus[id];
                    if (Allowed(slot, gpu, pass) && _families[family].IsValid(mode, _nodes[gpu.Node].Memory)
                        && (repartition is null || (rank, id).CompareTo((RankOf(repartition), repartition.Id)) < 0))
                    {
                        repartition = gpu;
                        break;
                    }
                }
            }
        }

        if (repartition is not null)
        {
            SetMode(repartition, mode);
            return repartition;
        }

        // A node-wide memory change: only on a node with nothing on it.
        foreach (var node in _nodes.Where(n => n.Reachable && n.UsedGpus == 0 && !_families[family].IsValid(mode, n.Memory)))
        {
            var target = _families[family].MemoryModes.FirstOrDefault(m => _families[family].IsValid(mode, m));
            var gpu = node.Gpus.Select(g => _gpus[g]).FirstOrDefault(g => g.Family == family && g.Schedulable && Allowed(slot, g, 1));
            if (gpu is null || node.Gpus.Any(g => !_gpus[g].Schedulable) || !_families[family].IsValid(mode, target))
            {
                continue;
            }

            SetNodeMemory(node, target);
            SetMode(gpu, mode);
            return gpu;
        }

        return null;
    }

    // ---- preemption -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Makes room by evicting strictly lower-priority replicas: the candidate with the fewest evictions, then the lowest
    /// priorities, then the least memory, wins. Evicted replicas are placed again elsewhere if they fit without preempting.
    /// </summary>
    private bool TryPreempt(DeploymentSlot slot, int replica)
    {
        var demand = slot.Demand!;
        if (demand.Priority == Priority.Low)
        {
            return false;
        }

        Candidate? best = null;
        foreach (var gpu in _gpus)
        {
            if (!gpu.Schedulable || !gpu.HoldsPriorityBelow(demand.Priority) || !Allowed(slot, gpu, 1))
            {
                continue;
            }

            foreach (var candidate in PreemptionCandidates(slot, gpu))
            {
                if (best is null || candidate.CompareTo(best) < 0)
                {
                    best = candidate;
                }
            }

            if (best is { Victims: [{ Priority: Priority.Low }] })
            {
                break; // one low-priority eviction: nothing can be cheaper
            }
        }

        if (best is null)
        {
            return false;
        }

        var target = _gpus[best.Gpu];
        foreach (var victim in best.Victims)
        {
            Release(victim);
            _deployments[victim.Deployment].Replicas.Remove(victim.Replica);
            _collector.Preemptions.Add(new PreemptionDecision(victim.Deployment, victim.Replica, victim.Priority, _nodes[target.Node].Name, target.Index, demand.Deployment));
            _collector.Removed.Add(Describe(victim));
        }

        if (best.Mode != target.Mode)
        {
            if (!_families[target.Family].IsValid(best.Mode, _nodes[target.Node].Memory))
            {
                SetNodeMemory(_nodes[target.Node], _families[target.Family].MemoryModes.First(m => _families[target.Family].IsValid(best.Mode, m)));
            }

            SetMode(target, best.Mode);
        }

        var fit = demand.Isolation == Isolation.Exclusive
            ? target.Fit(demand.Size, best.Span)!
            : demand.Size.Fit(Math.Min(target.Free[best.First], target.Usable), 1)!;
        Assign(slot, replica, target, best.First, best.Span, fit.BytesPerPartition, fit);

        // The evicted replicas try again, without preempting anyone in turn.
        foreach (var victim in best.Victims.OrderByDescending(v => v.Priority).ThenBy(v => v.Deployment, StringComparer.Ordinal).ThenBy(v => v.Replica))
        {
            if (_deployments.TryGetValue(victim.Deployment, out var victimSlot) && victimSlot.Demand is not null && !victimSlot.Replicas.ContainsKey(victim.Replica))
            {
                PlaceReplica(victimSlot, victim.Replica, allowPreemption: false);
            }
        }

        return true;
    }

    private IEnumerable<Candidate> PreemptionCandidates(DeploymentSlot slot, GpuSlot gpu)
    {
        var demand = slot.Demand!;
        var family = _families[gpu.Family];
        var node = _nodes[gpu.Node];
        var everything = gpu.Reservations().ToList();
        var allLower = everything.All(r => r.Priority < demand.Priority);

        if (demand.Isolation == Isolation.Exclusive)
        {
            foreach (var mode in family.ComputeModes)
            {
                foreach (var span in Spans.Where(s => s <= (int)mode && s <= demand.MaxTensorParallel))
                {
                    var usable = mode == gpu.Mode ? gpu.Usable : _sizing.Usable(gpu.DeviceBytes / (int)mode);
                    if (demand.Size.Fit(usable, span) is null)
                    {
                        continue;
                    }

                    if (mode == gpu.Mode)
                    {
                        for (var first = 0; first + span <= gpu.Parts; first += span)
                        {
                            var victims = everything.Where(r => r.First < first + span && r.First + r.Span > first).ToList();
                            if (victims.Count > 0 && victims.All(v => v.Priority < demand.Priority))
                            {
                                yield return new Candidate(gpu.Id, mode, first, span, victims);
                            }
                        }
                    }
                    else if (_allowRepartition && allLower && everything.Count > 0 && (family.IsValid(mode, node.Memory) || node.Gpus.All(g => g == gpu.Id || _gpus[g].Count == 0)))
                    {
                        yield return new Candidate(gpu.Id, mode, 0, span, everything);
                    }
                }
            }

            yield break;
        }

        // Shared: evict lower-priority replicas of one partition, lowest priority and largest first, until it fits.
        for (var partition = 0; partition < gpu.Parts; partition++)
        {
            var held = gpu.PartitionReservations(partition);
            if (held.Count == 0 || held.Any(r => r.Isolation == Isolation.Exclusive && r.Priority >= demand.Priority))
            {
                continue;
            }

            if (demand.Size.Fit(gpu.Usable, 1) is not { } need)
            {
                continue;
            }

            var free = gpu.Free[partition];
            var victims = new List<Reservation>();
            foreach (var r in held.Where(r => r.Priority < demand.Priority).OrderBy(r => r.Priority).ThenByDescending(r => r.Bytes).ThenBy(r => r.Deployment, StringComparer.Ordinal))
            {
                if (free >= need.BytesPerPartition && !held.Except(victims).Any(h => h.Isolation == Isolation.Exclusive))
                {
                    break;
                }

                victims.Add(r);
                free += r.Bytes;
            }

            var exclusiveLeft = held.Except(victims).Any(h => h.Isolation == Isolation.Exclusive);
            if (victims.Count > 0 && free >= need.BytesPerPartition && !exclusiveLeft)
            {
                yield return new Candidate(gpu.Id, gpu.Mode, partition, 1, victims);
            }
        }
    }

    // ---- explanations ---------------------------------------------------------------------------------------------

    private PlacementExplanation Explain(DeploymentSlot slot, int replica)
    {
        var demand = slot.Demand!;
        if (_collector.Explanations.TryGetValue(demand.Deployment, out var cached))
        {
            return cached with { Summary = Summarize(demand, replica, cached.Counts) };
        }

        // What the GPU's family can offer at all does not depend on the GPU: work it out once per family.
        var familyFits = new bool[_families.Count];
        var familyLargest = new long[_families.Count];
        for (var f = 0; f < _families.Count; f++)
        {
            foreach (var mode in _families[f].ComputeModes)
            {
                var usable = _sizing.Usable(_familyDeviceBytes[f] / (int)mode);
                foreach (var span in Spans)
                {
                    if (span <= (int)mode && span <= demand.MaxTensorParallel)
                    {
                        familyLargest[f] = Math.Max(familyLargest[f], usable * span);
                        familyFits[f] |= demand.Size.Fit(usable, span) is not null;
                    }
                }
            }
        }

        var counts = new Dictionary<RejectionReason, int>();
        var rejections = new List<GpuRejection>();
        foreach (var gpu in _gpus)
        {
            var (reason, detail) = Reject(slot, gpu, familyFits[gpu.Family], familyLargest[gpu.Family], rejections.Count < MaxExplainedGpus);
            counts[reason] = counts.GetValueOrDefault(reason) + 1;
            if (rejections.Count < MaxExplainedGpus)
            {
                rejections.Add(new GpuRejection(_nodes[gpu.Node].Name, gpu.Index, reason, detail));
            }
        }

        var explanation = new PlacementExplanation(Summarize(demand, replica, counts), counts, rejections, _gpus.Count, FitsNoGpu: !familyFits.Contains(true));
        _collector.Explanations[demand.Deployment] = explanation;
        return explanation;
    }

    private string Summarize(PlacementDemand demand, int replica, IReadOnlyDictionary<RejectionReason, int> counts)
    {
        var reasons = string.Join(", ", counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key).Select(c => $"{c.Key.ToString().ToLowerInvariant()} {c.Value}"));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Replica {replica} of {demand.Deployment} ({demand.Priority.ToString().ToLowerInvariant()}, {demand.Isolation.ToString().ToLowerInvariant()}, {Gib(demand.Size.TargetBytes())} GiB with its full KV cache, {Gib(demand.Size.MinimumBytes())} GiB at least) fits none of {_gpus.Count} GPU(s): {reasons}.");
    }

    private (RejectionReason Reason, string Detail) Reject(DeploymentSlot slot, GpuSlot gpu, bool familyFits, long familyLargest, bool describe)
    {
        var demand = slot.Demand!;
        var node = _nodes[gpu.Node];
        if (!node.Reachable)
        {
            return (RejectionReason.NodeDown, describe ? $"Node {node.Name} is unreachable." : string.Empty);
        }

        if (!gpu.Schedulable)
        {
            return (RejectionReason.NotSchedulable, describe ? "The GPU is not Ready (Degraded, being reconfigured, or not partitionable)." : string.Empty);
        }

        if (demand.Node is { } pinned && pinned != node.Name)
        {
            return (RejectionReason.Pinned, describe ? $"The deployment is pinned to node {pinned}." : string.Empty);
        }

        if (demand.Gpu is { } pinnedGpu && pinnedGpu != gpu.Index)
        {
            return (RejectionReason.Pinned, describe ? $"The deployment is pinned to GPU {node.Name}/{pinnedGpu}." : string.Empty);
        }

        if (gpu.Deployments.ContainsKey(demand.Deployment))
        {
            return (RejectionReason.AntiAffinity, describe ? $"It already holds a replica of {demand.Deployment}." : string.Empty);
        }

        var minimum = demand.Size.MinimumBytes();
        if (!familyFits)
        {
            return (RejectionReason.Memory, describe ? $"It needs at least {Gib(minimum)} GiB; the largest space an {_families[gpu.Family].Name} offers it is {Gib(familyLargest)} GiB." : string.Empty);
        }

        if (gpu.Count == 0)
        {
            return (RejectionReason.MemoryMode, describe ? $"Node {node.Name} is in {node.Memory}, which does not allow the partition needed, and other GPUs of the node hold reservations." : string.Empty);
        }

        var fitsLayout = false;
        foreach (var span in Spans)
        {
            fitsLayout |= span <= gpu.Parts && span <= demand.MaxTensorParallel && demand.Size.Fit(gpu.Usable, span) is not null;
        }

        if (!fitsLayout)
        {
            return (RejectionReason.Mode, describe ? $"Its {gpu.Mode} partitions ({Gib(gpu.Usable)} GiB usable) are too small for {Gib(minimum)} GiB, and it holds {gpu.Count} reservation(s), so it is not repartitioned." : string.Empty);
        }

        long freest = 0;
        for (var p = 0; p < gpu.Parts; p++)
        {
            if (!gpu.Exclusive[p])
            {
                freest = Math.Max(freest, gpu.Free[p]);
            }
        }

        if (demand.Priority > Priority.Low && gpu.HoldsPriorityAtLeast(demand.Priority))
        {
            var blockers = describe ? string.Join(", ", gpu.Reservations().Where(r => r.Priority >= demand.Priority).Select(b => b.Deployment).Distinct().Take(3)) : string.Empty;
            return (RejectionReason.Priority, describe ? $"The room is held by replicas of equal or higher priority ({blockers}); the most free in a shareable partition is {Gib(freest)} GiB." : string.Empty);
        }

        return (RejectionReason.Memory, !describe ? string.Empty : demand.Isolation == Isolation.Exclusive
            ? $"No free {gpu.Mode} partition: all {gpu.Parts} hold reservations."
            : $"The most free space in a shareable partition is {Gib(freest)} GiB; it needs {Gib(minimum)} GiB.");
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture);

    // ---- state changes --------------------------------------------------------------------------------------------

    private void Assign(DeploymentSlot slot, int replica, GpuSlot gpu, int first, int span, long bytes, PartitionFit fit)
    {
        var demand = slot.Demand!;
        var reservation = new Reservation(demand.Deployment, replica, gpu.Id, first, span, bytes, demand.Priority, demand.Isolation, fit.KvBytes, fit.FullKv);
        Unindex(gpu);
        Apply(reservation);
        Index(gpu);
        slot.Replicas[replica] = reservation;
        _collector.Assigned.Add(Describe(reservation));
    }

    private void Apply(Reservation r)
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

    private void Release(Reservation r)
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
        Unindex(gpu);
        var partitionBytes = gpu.DeviceBytes / (int)mode;
        gpu.Configure(mode, partitionBytes, _sizing.Usable(partitionBytes));
        Index(gpu);
    }

    private void SetNodeMemory(NodeSlot node, MemoryMode memory)
    {
        _collector.MemoryModeChanges.Add(new MemoryModeDecision(node.Name, node.Memory, memory));
        foreach (var id in node.Gpus)
        {
            Unindex(_gpus[id]);
        }

        node.Memory = memory;
        foreach (var id in node.Gpus)
        {
            var gpu = _gpus[id];
            var family = _families[gpu.Family];
            Index(gpu);
            if (!family.IsValid(gpu.Mode, memory))
            {
                SetMode(gpu, family.ComputeModeAfterMemoryChange(gpu.Mode, memory));
            }
        }
    }

    // ---- indexes --------------------------------------------------------------------------------------------------

    private void Index(GpuSlot gpu)
    {
        if (!gpu.Schedulable || gpu.Indexed)
        {
            return;
        }

        gpu.Indexed = true;
        if (gpu.Count == 0)
        {
            gpu.IndexedRank = RankOf(gpu);
            EmptySet(gpu.Family, gpu.Mode).Add((gpu.IndexedRank, gpu.Id));
            return;
        }

        var index = ModeIndexOf(gpu.Family, gpu.Mode, gpu.Usable);
        gpu.IndexedFreeParts = gpu.FreeParts();
        if (gpu.IndexedFreeParts > 0)
        {
            (index.ByFreeParts[gpu.IndexedFreeParts] ??= []).Add(gpu.Id);
        }

        for (var p = 0; p < gpu.Parts; p++)
        {
            gpu.IndexedFree[p] = gpu.Free[p];
            if (!gpu.Exclusive[p] && gpu.Free[p] > 0)
            {
                index.Shared.Add((gpu.Id << 3) | p, gpu.Free[p]);
            }
        }
    }

    private void Unindex(GpuSlot gpu)
    {
        if (!gpu.Indexed)
        {
            return;
        }

        gpu.Indexed = false;
        if (gpu.Count == 0)
        {
            EmptySet(gpu.Family, gpu.Mode).Remove((gpu.IndexedRank, gpu.Id));
            return;
        }

        var index = _modeIndexes[Key(gpu.Family, gpu.Mode)];
        if (gpu.IndexedFreeParts > 0)
        {
            index.ByFreeParts[gpu.IndexedFreeParts]!.Remove(gpu.Id);
        }

        for (var p = 0; p < gpu.Parts; p++)
        {
            index.Shared.Remove((gpu.Id << 3) | p, gpu.IndexedFree[p]);
        }
    }

    // Empty GPUs on nodes already in use come first, so that whole nodes stay free for node-wide changes.
    private void Rerank(NodeSlot node, int except)
    {
        foreach (var id in node.Gpus)
        {
            var gpu = _gpus[id];
            if (id != except && gpu.Count == 0 && gpu.Indexed)
            {
                Unindex(gpu);
                Index(gpu);
            }
        }
    }

    private int RankOf(GpuSlot gpu) => _nodes[gpu.Node].UsedGpus > 0 ? 0 : 1;

    private ModeIndex ModeIndexOf(int family, ComputeMode mode, long usable)
    {
        if (!_modeIndexes.TryGetValue(Key(family, mode), out var index))
        {
            index = new ModeIndex(_familyDeviceBytes[family] + (1L << 30));
            _modeIndexes[Key(family, mode)] = index;
        }

        index.Usable = Math.Min(index.Usable, usable);
        return index;
    }

    private SortedSet<(int Rank, int Gpu)> EmptySet(int family, ComputeMode mode)
    {
        if (!_empty.TryGetValue(Key(family, mode), out var set))
        {
            set = [];
            _empty[Key(family, mode)] = set;
        }

        return set;
    }

    private long ClassUsable(int family, ComputeMode mode) =>
        _modeIndexes.TryGetValue(Key(family, mode), out var index) && index.Usable < long.MaxValue
            ? index.Usable
            : _sizing.Usable(_familyDeviceBytes[family] / (int)mode);

    private long FreeOf(int key) => _gpus[key >> 3].Free[key & 7];

    // Pass 0 keeps replicas of a deployment on different nodes; pass 1 only on different GPUs.
    private bool Allowed(DeploymentSlot slot, GpuSlot gpu, int pass) =>
        gpu.Schedulable
        && !gpu.Deployments.ContainsKey(slot.Name)
        && (slot.Demand?.Node is not { } pinned || _nodes[gpu.Node].Name == pinned)
        && (slot.Demand?.Gpu is not { } pinnedGpu || gpu.Index == pinnedGpu)
        && (pass > 0 || !_nodes[gpu.Node].Deployments.ContainsKey(slot.Name));

    private static int Key(int family, ComputeMode mode) => (family << 4) | (int)mode;

    private int FamilyId(GpuFamily family, long deviceBytes)
    {
        var id = _families.IndexOf(family);
        if (id < 0)
        {
            _families.Add(family);
            _familyDeviceBytes.Add(deviceBytes);
            return _families.Count - 1;
        }

        _familyDeviceBytes[id] = Math.Min(_familyDeviceBytes[id], deviceBytes);
        return id;
    }

    private DeploymentSlot Deployment(string name)
    {
        if (!_deployments.TryGetValue(name, out var slot))
        {
            slot = new DeploymentSlot(name);
            _deployments[name] = slot;
        }

        return slot;
    }

    private ReplicaAssignment Describe(Reservation r)
    {
        var gpu = _gpus[r.Gpu];
        var node = _nodes[gpu.Node];
        return new ReplicaAssignment(r.Deployment, r.Replica, node.Name, gpu.Index, r.First, r.Span, gpu.Mode, node.Memory, r.Bytes, gpu.PartitionBytes, r.Kv, r.FullKv, r.Priority, r.Isolation);
    }

    private sealed record ExclusiveOption(int Family, ComputeMode Mode, int Span, PartitionFit Fit, double Fraction);

    private sealed record Candidate(int Gpu, ComputeMode Mode, int First, int Span, IReadOnlyList<Reservation> Victims) : IComparable<Candidate>
    {
        public int CompareTo(Candidate? other)
        {
            if (other is null)
            {
                return -1;
            }

            var byCount = Victims.Count.CompareTo(other.Victims.Count);
            if (byCount != 0)
            {
                return byCount;
            }

            var byPriority = Victims.Sum(v => (int)v.Priority).CompareTo(other.Victims.Sum(v => (int)v.Priority));
            if (byPriority != 0)
            {
                return byPriority;
            }

            var byBytes = Victims.Sum(v => v.Bytes * v.Span).CompareTo(other.Victims.Sum(v => v.Bytes * v.Span));
            return byBytes != 0 ? byBytes : (Gpu, First, Mode).CompareTo((other.Gpu, other.First, other.Mode));
        }
    }

    private sealed class Reservation(string deployment, int replica, int gpu, int first, int span, long bytes, Priority priority, Isolation isolation, long kv, bool fullKv)
    {
        public string Deployment { get; } = deployment;

        public int Replica { get; } = replica;

        public int Gpu { get; } = gpu;

        public int First { get; } = first;

        public int Span { get; } = span;

        public long Bytes { get; } = bytes;

        public Priority Priority { get; } = priority;

        public Isolation Isolation { get; } = isolation;

        public long Kv { get; } = kv;

        public bool FullKv { get; } = fullKv;
    }

    private sealed class DeploymentSlot(string name)
    {
        public string Name { get; } = name;

        public PlacementDemand? Demand { get; set; }

        public Priority Priority { get; set; }

        public SortedDictionary<int, Reservation> Replicas { get; } = [];
    }

    private sealed class NodeSlot(int id, string name, MemoryMode memory, bool reachable)
    {
        public int Id { get; } = id;

        public string Name { get; } = name;

        public MemoryMode Memory { get; set; } = memory;

        public bool Reachable { get; } = reachable;

        public List<int> Gpus { get; } = [];

        public int UsedGpus { get; set; }

        public Dictionary<string, int> Deployments { get; } = new(StringComparer.Ordinal);
    }

    private sealed class ModeIndex(long maxBytes)
    {
        public SortedSet<int>?[] ByFreeParts { get; } = new SortedSet<int>?[9];

        public FreeSpaceIndex Shared { get; } = new(maxBytes);

        public long Usable { get; set; } = long.MaxValue;
    }

    private sealed class GpuSlot(int id, int node, int index, int family, bool schedulable)
    {
        private readonly List<Reservation>[] _partitions = [.. Enumerable.Range(0, 8).Select(_ => new List<Reservation>())];

        public int Id { get; } = id;

        public int Node { get; } = node;

        public int Index { get; } = index;

        public int Family { get; } = family;

        public bool Schedulable { get; } = schedulable;

        public ComputeMode Mode { get; private set; }

        public int Parts { get; private set; }

        public long PartitionBytes { get; private set; }

        public long Usable { get; private set; }

        public long DeviceBytes => PartitionBytes * Parts;

        public long[] Free { get; } = new long[8];

        public bool[] Exclusive { get; } = new bool[8];

        public Dictionary<string, int> Deployments { get; } = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public bool Indexed { get; set; }

        public int IndexedRank { get; set; }

        public int IndexedFreeParts { get; set; }

        public long[] IndexedFree { get; } = new long[8];

        public void Configure(ComputeMode mode, long partitionBytes, long usable)
        {
            Mode = mode;
            Parts = (int)mode;
            PartitionBytes = partitionBytes;
            Usable = usable;
            for (var p = 0; p < 8; p++)
            {
                Free[p] = p < Parts ? usable : 0;
                Exclusive[p] = false;
                _partitions[p].Clear();
            }
        }

        public PartitionFit? Fit(ReplicaSize size, int span) => span <= Parts ? size.Fit(Usable, span) : null;

        public int FreeParts()
        {
            var free = 0;
            for (var p = 0; p < Parts; p++)
            {
                if (_partitions[p].Count == 0)
                {
                    free++;
                }
            }

            return free;
        }

        /// <summary>The first block of <paramref name="span"/> empty partitions aligned on <paramref name="span"/>.</summary>
        public int? FreeBlock(int span)
        {
            for (var first = 0; first + span <= Parts; first += span)
            {
                var free = true;
                for (var p = first; p < first + span && free; p++)
                {
                    free = _partitions[p].Count == 0;
                }

                if (free)
                {
                    return first;
                }
            }

            return null;
        }

        public IReadOnlyList<Reservation> PartitionReservations(int partition) => _partitions[partition];

        public bool HoldsPriorityAtLeast(Priority priority)
        {
            for (var p = 0; p < Parts; p++)
            {
                foreach (var r in _partitions[p])
                {
                    if (r.Priority >= priority)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        public bool HoldsPriorityBelow(Priority priority)
        {
            for (var p = 0; p < Parts; p++)
            {
                foreach (var r in _partitions[p])
                {
                    if (r.Priority < priority)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        public IEnumerable<Reservation> Reservations() =>
            Enumerable.Range(0, Parts).SelectMany(p => _partitions[p]).Distinct().OrderBy(r => r.First).ThenBy(r => r.Deployment, StringComparer.Ordinal).ThenBy(r => r.Replica);

        public void Add(Reservation r)
        {
            for (var p = r.First; p < r.First + r.Span; p++)
            {
                _partitions[p].Add(r);
                Free[p] -= r.Bytes;
                Exclusive[p] |= r.Isolation == Isolation.Exclusive;
            }

            Count++;
            Deployments[r.Deployment] = Deployments.GetValueOrDefault(r.Deployment) + 1;
        }

        public void Remove(Reservation r)
        {
            for (var p = r.First; p < r.First + r.Span; p++)
            {
                _partitions[p].Remove(r);
                Free[p] += r.Bytes;
                Exclusive[p] = _partitions[p].Any(x => x.Isolation == Isolation.Exclusive);
            }

            Count--;
            if (Deployments[r.Deployment] == 1)
            {
                Deployments.Remove(r.Deployment);
            }
            else
            {
                Deployments[r.Deployment]--;
            }
        }
    }

    private sealed class Collector
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
}
