using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Why a replica fits no GPU, per GPU: the summary line, the count of GPUs per reason and the first GPUs' reasons in
/// words. Reads the engine's slots as they are at the moment of the decision; changes nothing.
/// </summary>
internal sealed class PlacementExplainer(
    SizingOptions sizing,
    IReadOnlyList<GpuFamily> families,
    IReadOnlyList<long> familyDeviceBytes,
    IReadOnlyList<NodeSlot> nodes,
    IReadOnlyList<GpuSlot> gpus)
{
    /// <summary>GPUs explained one by one; beyond them, only the counts per reason (a fleet of thousands stays readable).</summary>
    public const int MaxExplainedGpus = 64;

    private readonly SizingOptions _sizing = sizing;
    private readonly IReadOnlyList<GpuFamily> _families = families;
    private readonly IReadOnlyList<long> _familyDeviceBytes = familyDeviceBytes;
    private readonly IReadOnlyList<NodeSlot> _nodes = nodes;
    private readonly IReadOnlyList<GpuSlot> _gpus = gpus;

    /// <summary>The explanation for <paramref name="replica"/>; one per deployment and decision (<paramref name="cache"/>), as the reasons do not depend on the replica.</summary>
    public PlacementExplanation Explain(DeploymentSlot slot, int replica, Dictionary<string, PlacementExplanation> cache)
    {
        var demand = slot.Demand!;
        if (cache.TryGetValue(demand.Deployment, out var cached))
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
                foreach (var span in PlacementEngine.Spans)
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
        cache[demand.Deployment] = explanation;
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
        foreach (var span in PlacementEngine.Spans)
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
}
