using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Planning.Sizing;

namespace GpuSharing.Grains.Planning.Placement;

/// <summary>
/// Lower bounds on the GPUs any placement of the same replicas needs, per GPU family, summed:
/// <list type="bullet">
/// <item><see cref="Bound"/> = ⌈Σ_exclusive f(r) + Σ_shared mem(r) ÷ HBM⌉ — an exclusive replica holds at least a
/// partition of fraction f(r) (the smallest that holds it as placed) that nobody else may use; shared replicas need
/// their memory (PLACEMENT.md §5). This is the bound placement quality is measured against.</item>
/// <item><see cref="Volume"/> = ⌈Σ mem(r) ÷ HBM⌉ — memory demand over GPU memory, every replica counted as shared.</item>
/// <item><see cref="Slots"/> = ⌈Σ f(r)⌉ — every replica counted as exclusive.</item>
/// </list>
/// </summary>
public sealed record PlacementBounds(int Bound, int Volume, int Slots, int Replicas)
{
    public static PlacementBounds Compute(PlacementEngine engine, IEnumerable<PlacementDemand> demands, SizingOptions? sizing = null)
    {
        sizing ??= SizingOptions.Default;
        var byName = demands.ToDictionary(d => d.Deployment, StringComparer.Ordinal);
        var snapshot = engine.Snapshot();
        var perFamily = new Dictionary<string, (double Mixed, double Memory, double Slots, long Hbm)>(StringComparer.Ordinal);
        var replicas = 0;
        foreach (var node in snapshot.Nodes)
        {
            foreach (var gpu in node.Gpus)
            {
                var deviceBytes = gpu.PartitionBytes * (int)gpu.ComputeMode;
                foreach (var reservation in gpu.Reservations)
                {
                    if (!byName.TryGetValue(reservation.Deployment, out var demand))
                    {
                        continue;
                    }

                    replicas++;
                    var assignment = engine.Assignments(reservation.Deployment).First(a => a.Replica == reservation.Replica);
                    var memory = (double)reservation.BytesPerPartition * reservation.Span;
                    var fraction = PlacementEngine.SmallestFraction(gpu.Family, deviceBytes, demand.Size, demand.MaxTensorParallel, assignment.KvBytes, sizing);
                    var hbm = gpu.Family.HbmBytes;
                    var totals = perFamily.GetValueOrDefault(gpu.Family.Name, (0, 0, 0, hbm));
                    perFamily[gpu.Family.Name] = (
                        totals.Mixed + (demand.Isolation == Isolation.Exclusive ? fraction : memory / hbm),
                        totals.Memory + (memory / hbm),
                        totals.Slots + fraction,
                        hbm);
                }
            }
        }

        return new PlacementBounds(
            perFamily.Values.Sum(t => Ceiling(t.Mixed)),
            perFamily.Values.Sum(t => Ceiling(t.Memory)),
            perFamily.Values.Sum(t => Ceiling(t.Slots)),
            replicas);
    }

    // Fractions like 0.125 × 8 must not round up to 2 because of floating-point dust.
    private static int Ceiling(double value) => (int)Math.Ceiling(value - 1e-9);
}
