using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Making room for a replica that fits nowhere as things stand, on a GPU that holds others: taking off replicas of
/// strictly lower priority (preemption) and replicas of no higher priority that get a place again in the same decision
/// (a move). A replica of the same or higher priority never loses its place nor KV cache; a GPU is repartitioned (or a
/// node's memory mode changed) only when everything on it is taken off this way. The engine tries the most promising candidates in
/// full — evict, repartition, place the replica, place the evicted ones again — scores what each comes to
/// (<see cref="RoomOutcome"/>) and rolls it back, then carries out the best. So a GPU emptied by preemption takes the
/// layout that suits the replica and the ones it evicted (QPX for an exclusive 8B beside two small shared models, not
/// the whole GPU), and evicted replicas are placed again at once with their own KV target.
/// </summary>
public sealed partial class PlacementEngine
{
    // Trying a candidate costs a few placements; the GPUs whose first-sight cost is lowest are tried, a few candidates each.
    private const int RoomGpusTried = 4;
    private const int RoomCandidatesPerLayout = 3;

    private bool TryMakeRoom(DeploymentSlot slot, int replica)
    {
        var demand = slot.Demand!;
        for (var pass = 0; pass < 2; pass++)
        {
            var gpus = new List<(RoomCandidate Best, List<RoomCandidate> Candidates)>();
            foreach (var gpu in _gpus)
            {
                if (!gpu.Schedulable || gpu.Count == 0 || !Allowed(slot, gpu, pass) || !gpu.HoldsPriorityAtMost(demand.Priority))
                {
                    continue;
                }

                var candidates = RoomCandidates(slot, gpu).ToList();
                if (candidates.Count > 0)
                {
                    gpus.Add((candidates.Min()!, candidates));
                }
            }

            RoomOutcome? best = null;
            foreach (var (_, candidates) in gpus.OrderBy(g => g.Best).Take(RoomGpusTried))
            {
                foreach (var candidate in candidates.GroupBy(c => (c.Mode, c.Repartition)).SelectMany(g => g.Order().Take(RoomCandidatesPerLayout)))
                {
                    BeginTrial();
                    try
                    {
                        var outcome = Carry(slot, replica, candidate);
                        if (outcome is not null && (best is null || outcome.CompareTo(best) < 0))
                        {
                            best = outcome;
                        }
                    }
                    finally
                    {
                        EndTrial();
                    }
                }
            }

            if (best is not null)
            {
                Carry(slot, replica, best.Candidate);
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Takes the victims off, repartitions if the candidate says so, places the replica, then places the victims again
    /// (highest priority, then largest, first; without making room in turn). Null when the outcome breaks a rule: a
    /// victim of the replica's own priority or higher left without a place.
    /// </summary>
    private RoomOutcome? Carry(DeploymentSlot slot, int replica, RoomCandidate candidate)
    {
        var demand = slot.Demand!;
        var target = _gpus[candidate.Gpu];
        foreach (var victim in candidate.Victims)
        {
            Evict(victim);
        }

        if (candidate.Mode != target.Mode)
        {
            var family = _families[target.Family];
            if (!family.IsValid(candidate.Mode, _nodes[target.Node].Memory))
            {
                SetNodeMemory(_nodes[target.Node], family.MemoryModes.First(m => family.IsValid(candidate.Mode, m)));
            }

            SetMode(target, candidate.Mode);
        }

        var fit = demand.Isolation == Isolation.Exclusive
            ? target.Fit(demand.Size, candidate.Span)
            : demand.Size.Fit(Math.Min(target.Free[candidate.First], target.Usable), 1);
        if (fit is null)
        {
            return null;
        }

        Assign(slot, replica, target, candidate.First, candidate.Span, fit.BytesPerPartition, fit);

        var lost = new int[3];
        var shrunk = 0;
        foreach (var victim in candidate.Victims.OrderByDescending(v => v.Priority).ThenByDescending(v => v.Bytes * v.Span).ThenBy(v => v.Deployment, StringComparer.Ordinal).ThenBy(v => v.Replica))
        {
            var victimSlot = _deployments.GetValueOrDefault(victim.Deployment);
            var placed = victimSlot?.Demand is not null && (victimSlot.Replicas.ContainsKey(victim.Replica) || PlaceReplica(victimSlot, victim.Replica, allowPreemption: false));
            if (!placed)
            {
                if (victim.Priority >= demand.Priority)
                {
                    return null; // only strictly lower priorities may lose their place
                }

                lost[(int)victim.Priority]++;
                _collector.Preemptions.Add(new PreemptionDecision(victim.Deployment, victim.Replica, victim.Priority, _nodes[target.Node].Name, target.Index, demand.Deployment));
                continue;
            }

            var moved = victimSlot!.Replicas[victim.Replica];
            if (!moved.FullKv && victim.FullKv)
            {
                if (victim.Priority >= demand.Priority)
                {
                    return null; // a replica of the replica's own priority is moved only whole, with the KV cache it had
                }

                shrunk++;
            }

            var gpu = _gpus[moved.Gpu];
            _collector.Moves.Add(new MoveDecision(victim.Deployment, victim.Replica, victim.Priority, _nodes[gpu.Node].Name, gpu.Index, demand.Deployment));
        }

        return new RoomOutcome(candidate, lost[(int)Priority.High], lost[(int)Priority.Medium], lost[(int)Priority.Low], shrunk, fit.FullKv, GpusUsed);
    }

    private IEnumerable<RoomCandidate> RoomCandidates(DeploymentSlot slot, GpuSlot gpu)
    {
        var demand = slot.Demand!;
        var family = _families[gpu.Family];
        var node = _nodes[gpu.Node];
        var everything = gpu.Reservations().ToList();
        var allMovable = everything.All(r => r.Priority <= demand.Priority);

        // A new layout needs the GPU emptied; a new memory mode, every other GPU of the node empty too.
        bool CanRepartition(Interfaces.Hardware.ComputeMode mode) =>
            _allowRepartition && allMovable && (family.IsValid(mode, node.Memory) || node.Gpus.All(g => g == gpu.Id || _gpus[g].Count == 0));

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
                            if (victims.Count > 0 && victims.All(v => v.Priority <= demand.Priority))
                            {
                                yield return new RoomCandidate(gpu.Id, mode, first, span, victims, demand.Priority, Repartition: false);
                            }
                        }
                    }
                    else if (CanRepartition(mode))
                    {
                        yield return new RoomCandidate(gpu.Id, mode, 0, span, everything, demand.Priority, Repartition: true);
                    }
                }
            }

            yield break;
        }

        // Shared, in the current layout: off one partition, lowest priority and largest first, until the replica fits.
        if (demand.Size.Fit(gpu.Usable, 1) is { } need)
        {
            for (var partition = 0; partition < gpu.Parts; partition++)
            {
                var held = gpu.PartitionReservations(partition);
                if (held.Count == 0 || held.Any(r => r.Priority > demand.Priority && (r.Isolation == Isolation.Exclusive || r.Span > 1)))
                {
                    continue;
                }

                var free = gpu.Free[partition];
                var victims = new List<SlotReservation>();
                foreach (var r in held.Where(r => r.Priority <= demand.Priority).OrderBy(r => r.Priority).ThenByDescending(r => r.Bytes).ThenBy(r => r.Deployment, StringComparer.Ordinal))
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
                    yield return new RoomCandidate(gpu.Id, gpu.Mode, partition, 1, victims, demand.Priority, Repartition: false);
                }
            }
        }

        // Shared, in another layout: the GPU emptied and repartitioned, the replica in its first partition.
        foreach (var mode in family.ComputeModes.Where(m => m != gpu.Mode && CanRepartition(m)))
        {
            if (demand.Size.Fit(_sizing.Usable(gpu.DeviceBytes / (int)mode), 1) is { FullKv: true })
            {
                yield return new RoomCandidate(gpu.Id, mode, 0, 1, everything, demand.Priority, Repartition: true);
            }
        }
    }
}
