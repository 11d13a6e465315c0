namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Convergence: what the live system does over time, done at once — every deployment still short of replicas asks
/// again (highest priority first), and the fleet is consolidated, until nothing changes. The what-if plan converges
/// the same way, so that it is never more pessimistic than the live path on the same set.
/// </summary>
public sealed partial class PlacementEngine
{
    /// <summary>Places what waits and consolidates, for at most <paramref name="maxRounds"/> rounds or until nothing changes.</summary>
    public ConvergenceResult Converge(IReadOnlyList<PlacementDemand> demands, int maxRounds = 8)
    {
        var preemptions = new List<PreemptionDecision>();
        var explanations = new Dictionary<(string, int), UnplacedReplica>();
        var rounds = 0;
        while (rounds < maxRounds)
        {
            rounds++;
            var changed = false;
            foreach (var demand in demands.OrderByDescending(d => d.Priority).ThenBy(d => d.Deployment, StringComparer.Ordinal))
            {
                if (Assignments(demand.Deployment).Count >= demand.Replicas)
                {
                    continue;
                }

                var placed = Place(demand);
                changed |= placed.Assigned.Count > 0;
                preemptions.AddRange(placed.Preemptions);
                foreach (var unplaced in placed.Unplaced)
                {
                    explanations[(unplaced.Deployment, unplaced.Replica)] = unplaced;
                }
            }

            var consolidated = Consolidate();
            changed |= consolidated.Assigned.Count > 0;
            preemptions.AddRange(consolidated.Preemptions);
            foreach (var unplaced in consolidated.Unplaced)
            {
                explanations[(unplaced.Deployment, unplaced.Replica)] = unplaced;
            }

            if (!changed)
            {
                break;
            }
        }

        // What is placed at the end is placed; a replica preempted on the way and placed again was only moved.
        var placedNow = AllAssignments().Select(a => (a.Deployment, a.Replica)).ToHashSet();
        return new ConvergenceResult(
            [.. preemptions.Where(p => !placedNow.Contains((p.Deployment, p.Replica))).DistinctBy(p => (p.Deployment, p.Replica))],
            [.. explanations.Values.Where(u => !placedNow.Contains((u.Deployment, u.Replica)))],
            rounds);
    }
}
