using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>Making room by preempting strictly lower-priority replicas.</summary>
public sealed partial class PlacementEngine
{
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

        PreemptionCandidate? best = null;
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

    private IEnumerable<PreemptionCandidate> PreemptionCandidates(DeploymentSlot slot, GpuSlot gpu)
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
                                yield return new PreemptionCandidate(gpu.Id, mode, first, span, victims);
                            }
                        }
                    }
                    else if (_allowRepartition && allLower && everything.Count > 0 && (family.IsValid(mode, node.Memory) || node.Gpus.All(g => g == gpu.Id || _gpus[g].Count == 0)))
                    {
                        yield return new PreemptionCandidate(gpu.Id, mode, 0, span, everything);
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
            var victims = new List<SlotReservation>();
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
                yield return new PreemptionCandidate(gpu.Id, gpu.Mode, partition, 1, victims);
            }
        }
    }
}
