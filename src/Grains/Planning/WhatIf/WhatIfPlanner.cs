using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Placement;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.WhatIf;

/// <summary>
/// The what-if plan (<c>POST /api/v1/plan</c>): sizes the deployments and places them with the same engine the live
/// path uses, on a hypothetical fleet or a copy of the real one, two ways — in the batch order, and one at a time in the
/// order the request lists them (what the live path does when they are applied so) — each converged as the live system
/// converges over time, and keeps the better (more replicas placed, high first; then fewer GPUs). So the plan is never
/// more pessimistic than applying the same set for real. It reports placements with their bindings, explanations, the
/// repartitions and preemptions it would make (the difference between the fleet before and after), GPUs used and the
/// lower bound. Changes nothing.
/// </summary>
public static class WhatIfPlanner
{
    public const string LowerBoundName = "⌈Σ exclusive f(r) + Σ shared mem(r)/HBM⌉";

    /// <param name="realFleet">The real fleet as it is now; used when the request names no hypothetical fleet.</param>
    /// <param name="cancellationToken">Ends the plan between two placement decisions (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException">A GPU model of the hypothetical fleet is not one we partition.</exception>
    public static PlanResult Plan(PlanRequest request, FleetSnapshot realFleet, SizingOptions? sizing = null, CancellationToken cancellationToken = default)
    {
        var hypothetical = request.Fleet is { Count: > 0 };
        var fleet = hypothetical ? Hypothetical(request.Fleet!) : realFleet;

        var planned = new List<PlannedDeployment>();
        var demands = new List<PlacementDemand>();
        var sizings = new Dictionary<string, SizingResult>(StringComparer.Ordinal);
        foreach (var item in request.Deployments)
        {
            var name = $"{item.Namespace}/{item.Name}";
            try
            {
                var result = ModelSizer.Size(item.Spec, sizing);
                sizings[name] = result;
                demands.Add(new PlacementDemand(name, item.Spec.Replicas, item.Spec.Priority, item.Spec.EffectiveIsolation, result.Replica, result.MaxTensorParallel, item.Spec.Node, item.Spec.Gpu));
            }
            catch (SizingException ex)
            {
                planned.Add(new PlannedDeployment(item.Namespace, item.Name, ex.Message, ex.Field, ex.IsInvalidInput, null, [], []));
            }
        }

        var batch = Run(fleet, demands, sizing, oneAtATime: false, cancellationToken);
        var listed = Run(fleet, demands, sizing, oneAtATime: true, cancellationToken);
        var (engine, preemptionsOnTheWay, unplaced) = Outcome(listed.Engine, demands).CompareTo(Outcome(batch.Engine, demands)) > 0 ? listed : batch;
        foreach (var item in request.Deployments)
        {
            var name = $"{item.Namespace}/{item.Name}";
            if (!sizings.TryGetValue(name, out var sizingResult))
            {
                continue;
            }

            var placements = engine.Assignments(name).Select(a => Placement(a) with { Binding = VllmBinding.Build(sizingResult, Placement(a)) }).ToList();
            var reasons = unplaced.Where(u => u.Deployment == name).OrderBy(u => u.Replica).Select(u => new UnplacedReplicaInfo(u.Replica, u.Explanation)).ToList();
            planned.Add(new PlannedDeployment(item.Namespace, item.Name, null, null, false, VllmBinding.Breakdown(sizingResult), placements, reasons));
        }

        var preemptions = preemptionsOnTheWay.Select(p => new PlannedPreemption(p.Deployment, p.Replica, p.Priority, p.Node, p.Gpu, p.PreemptedFor)).ToList();
        var bounds = PlacementBounds.Compute(engine, demands, sizing);
        return new PlanResult(
            planned,
            Repartitions(fleet, engine.Snapshot()),
            preemptions,
            engine.GpusUsed,
            engine.GpuCount,
            bounds.Bound,
            LowerBoundName,
            bounds.Volume,
            bounds.Slots,
            hypothetical);
    }

    /// <summary>
    /// Places the demands (at once in the batch order, or one at a time as listed) and converges; returns the engine,
    /// the preemptions that stand at the end, and the replicas left without a place with the last reason given.
    /// </summary>
    private static (PlacementEngine Engine, List<PreemptionDecision> Preemptions, List<UnplacedReplica> Unplaced) Run(FleetSnapshot fleet, IReadOnlyList<PlacementDemand> demands, SizingOptions? sizing, bool oneAtATime, CancellationToken cancellationToken)
    {
        var engine = new PlacementEngine(fleet, sizing) { Cancellation = cancellationToken };
        var results = oneAtATime ? demands.Select(engine.Place).ToList() : [engine.PlaceAll(demands)];
        var converged = engine.Converge(demands);
        var placedNow = engine.AllAssignments().Select(a => (a.Deployment, a.Replica)).ToHashSet();
        var preemptions = results.SelectMany(r => r.Preemptions).Concat(converged.Preemptions)
            .Where(p => !placedNow.Contains((p.Deployment, p.Replica)))
            .DistinctBy(p => (p.Deployment, p.Replica))
            .ToList();
        var unplaced = converged.Unplaced.Concat(results.SelectMany(r => r.Unplaced).Reverse())
            .Where(u => !placedNow.Contains((u.Deployment, u.Replica)))
            .DistinctBy(u => (u.Deployment, u.Replica))
            .ToList();
        return (engine, preemptions, unplaced);
    }

    // More replicas placed, high first; then fewer GPUs (negated, so that larger is better).
    private static ((int, int, int) Placed, int FewerGpus) Outcome(PlacementEngine engine, IReadOnlyList<PlacementDemand> demands)
    {
        int Count(Priority priority) => demands.Where(d => d.Priority == priority).Sum(d => engine.Assignments(d.Deployment).Count);
        return ((Count(Priority.High), Count(Priority.Medium), Count(Priority.Low)), -engine.GpusUsed);
    }

    /// <summary>Hypothetical fleets such as 40 × MI300X: every GPU empty, in SPX/NPS1.</summary>
    public static FleetSnapshot Hypothetical(IReadOnlyList<PlanFleetGroup> groups)
    {
        var families = new List<(GpuFamily, int)>();
        foreach (var group in groups)
        {
            var family = GpuCatalog.Find(group.Model)
                ?? throw new ArgumentException($"'{group.Model}' is not a GPU we partition (known: {string.Join(", ", GpuCatalog.All.Select(f => f.Name))}).");
            families.Add((family, group.Count));
        }

        return FleetSnapshot.Mixed(families, prefix: "hypothetical");
    }

    // Every GPU whose layout differs at the end, with the memory mode its node moves to where that changes too.
    private static List<PlannedRepartition> Repartitions(FleetSnapshot before, FleetSnapshot after)
    {
        var was = before.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var repartitions = new List<PlannedRepartition>();
        foreach (var node in after.Nodes)
        {
            var previous = was[node.Name];
            MemoryMode? memory = node.MemoryMode != previous.MemoryMode ? node.MemoryMode : null;
            foreach (var gpu in node.Gpus)
            {
                var from = previous.Gpus.Single(g => g.Index == gpu.Index).ComputeMode;
                if (from != gpu.ComputeMode || memory is not null)
                {
                    repartitions.Add(new PlannedRepartition(node.Name, gpu.Index, from, gpu.ComputeMode, memory));
                }
            }
        }

        return repartitions;
    }

    private static ReplicaPlacement Placement(ReplicaAssignment a) =>
        new(a.Replica, a.Node, a.Gpu, a.FirstPartition, a.Span, a.ComputeMode, a.MemoryMode, a.BytesPerPartition, a.PartitionBytes, a.KvBytes, a.FullKv, []);
}
