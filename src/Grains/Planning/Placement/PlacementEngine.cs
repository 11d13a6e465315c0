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
public sealed partial class PlacementEngine
{
    private static readonly ComputeMode[] Modes = [ComputeMode.SPX, ComputeMode.DPX, ComputeMode.QPX, ComputeMode.CPX];
    internal static readonly int[] Spans = [1, 2, 4, 8];

    private readonly SizingOptions _sizing;
    private readonly List<GpuFamily> _families = [];
    private readonly List<long> _familyDeviceBytes = [];
    private readonly List<NodeSlot> _nodes = [];
    private readonly List<GpuSlot> _gpus = [];
    private readonly Dictionary<string, DeploymentSlot> _deployments = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ModeIndex> _modeIndexes = [];
    private readonly Dictionary<int, SortedSet<(int Rank, int Gpu)>> _empty = [];
    private DecisionCollector _collector = new();
    private readonly PlacementExplainer _explainer;

    private readonly bool _allowRepartition;

    /// <param name="allowRepartition">False keeps every GPU in its current layout (the "no partition-mode choice" baseline).</param>
    public PlacementEngine(FleetSnapshot fleet, SizingOptions? sizing = null, bool allowRepartition = true)
    {
        _sizing = sizing ?? SizingOptions.Default;
        _allowRepartition = allowRepartition;
        _explainer = new PlacementExplainer(_sizing, _families, _familyDeviceBytes, _nodes, _gpus);
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

                    var reservation = new SlotReservation(r.Deployment, index, slot.Id, r.FirstPartition, r.Span, r.BytesPerPartition, r.Priority, r.Isolation, r.KvBytes, r.FullKv);
                    deployment.Replicas[index] = reservation;
                    deployment.Priority = r.Priority;
                    deployment.Demand ??= r.Demand;
                    Apply(reservation);
                }
            }
        }

        foreach (var gpu in _gpus)
        {
            Index(gpu);
        }
    }

    /// <summary>
    /// Stops a long computation (a what-if plan over a large fleet) between decisions: every placement checks it, so a
    /// cancelled plan ends within one decision. The live path never sets it.
    /// </summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>GPUs with at least one reservation.</summary>
    public int GpusUsed => _gpus.Count(g => g.Count > 0);

    public int GpuCount => _gpus.Count;

    public IReadOnlyList<GpuFamily> Families => _families;

    /// <summary>Places (or re-places) one deployment: missing replicas are added, surplus ones removed, all of them redone when its size or class changed.</summary>
    public PlacementResult Place(PlacementDemand demand)
    {
        _collector = new DecisionCollector();
        PlaceOne(demand);
        return _collector.ToResult();
    }

    /// <summary>Places many deployments: high before medium before low, exclusive before shared, larger before smaller, then by name.</summary>
    public PlacementResult PlaceAll(IEnumerable<PlacementDemand> demands)
    {
        _collector = new DecisionCollector();
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
        _collector = new DecisionCollector();
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
            [.. g.Reservations().Select(r => new PlanningReservation(r.Deployment, r.Replica, r.First, r.Span, r.Bytes, r.Priority, r.Isolation, r.Kv, r.FullKv, _deployments.GetValueOrDefault(r.Deployment)?.Demand))]))]))]);

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
        Cancellation.ThrowIfCancellationRequested();
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

    /// <summary>
    /// Places one replica: on different nodes from its siblings where the fleet allows (every way is tried that way
    /// first), else on a different GPU; failing that, by making room (<see cref="TryMakeRoom"/>).
    /// </summary>
    private bool PlaceReplica(DeploymentSlot slot, int replica, bool allowPreemption)
    {
        var demand = slot.Demand!;
        var placed = false;
        for (var pass = 0; pass < 2 && !placed; pass++)
        {
            placed = demand.Isolation == Isolation.Exclusive ? TryExclusive(slot, replica, pass) : TryShared(slot, replica, pass);
        }

        if (!placed && allowPreemption)
        {
            placed = TryMakeRoom(slot, replica);
        }

        if (!placed && !InTrial)
        {
            _collector.Unplaced.Add(new UnplacedReplica(demand.Deployment, replica, _explainer.Explain(slot, replica, _collector.Explanations)));
        }

        return placed;
    }
}
